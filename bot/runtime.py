"""What every part of a running Foyer shares: settings, database, clock, content."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application

from bot.domain.curricula import Curricula
from bot.domain.limits import CONCERNS_PER_DAY, CONTACT_REQUEST_EVERY, RollingQuota
from bot.infra.clock import Clock
from bot.infra.flood_gate import FloodGate
from bot.infra.metrics import Metrics
from bot.settings import Settings
from bot.storage.audio_uploads import VoiceMemory
from bot.storage.batching import Batcher
from bot.storage.seen import SeenRecorder

RUNTIME_KEY = "foyer"


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    clock: Clock
    curricula: Curricula
    # Set when new outbox rows are written, so the sender wakes without polling.
    outbox_signal: asyncio.Event = field(default_factory=asyncio.Event)
    # Telegram's flood wait, shared by the HTTP client and the sender.
    flood: FloodGate = field(default_factory=FloodGate)
    # Who raised how many concerns, and who asked for a person to talk to, lately: in memory
    # only (bot/services/concerns.py, bot/services/safety.py say why).
    concerns_raised: RollingQuota = field(
        default_factory=lambda: RollingQuota(CONCERNS_PER_DAY, timedelta(days=1))
    )
    contacts_asked: RollingQuota = field(
        default_factory=lambda: RollingQuota(1, CONTACT_REQUEST_EVERY)
    )
    # Counted always (cheap); served only with FOYER_METRICS_LISTEN (bot/app.py).
    metrics: Metrics = field(default_factory=Metrics)
    # The voice files this bot uploaded and the uploads under way (bot/delivery/voice.py).
    voice: VoiceMemory = field(default_factory=VoiceMemory)
    seen: SeenRecorder = field(init=False)
    _batchers: dict[str, Batcher[Any, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.seen = SeenRecorder(self.engine)

    def wake_sender(self) -> None:
        self.outbox_signal.set()

    def batcher(self, name: str, make: Callable[[], Batcher[Any, Any]]) -> Batcher[Any, Any]:
        """The one Batcher of this name, made on first use, that concurrent callers share."""
        found = self._batchers.get(name)
        if found is None:
            found = self._batchers[name] = make()
        return found


def runtime_of(application: Application) -> Runtime:
    rt = application.bot_data[RUNTIME_KEY]
    assert isinstance(rt, Runtime)
    return rt
