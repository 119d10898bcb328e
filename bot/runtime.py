"""What every part of a running Foyer shares: settings, database, clock, content."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application

from bot.clock import Clock
from bot.content.registry import Curricula
from bot.delivery.flood_gate import FloodGate
from bot.settings import Settings
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
    seen: SeenRecorder = field(init=False)

    def __post_init__(self) -> None:
        self.seen = SeenRecorder(self.engine)

    def wake_sender(self) -> None:
        self.outbox_signal.set()


def runtime_of(application: Application) -> Runtime:
    rt = application.bot_data[RUNTIME_KEY]
    assert isinstance(rt, Runtime)
    return rt
