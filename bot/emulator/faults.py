"""Injected failures (5xx, 403, 429, slow answers) and the flood wait a 429 imposes.

A call that arrives while a flood wait runs is answered 429 with the remaining seconds. It is
counted as *early* (the client did not honour retry_after) when the client had certainly seen
a 429 before sending it: it came over a connection that already carried a 429 in this wait
(HTTP/1.1 clients send the next request only after reading the previous answer), or later
than IN_FLIGHT_GRACE after the wait began. Requests a concurrent client had already sent when
the first 429 went out are refused too, but not counted.

A per-chat limit (``ChatLimit``, off unless a test asks for it) behaves like Telegram's "about
one message a second in a chat": a call that would be a chat's ``calls + 1``-th accepted one
within ``seconds`` is answered 429 and starts a flood wait for that chat alone.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field

from bot.emulator.errors import ApiError

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


IN_FLIGHT_GRACE = 0.1  # seconds


@dataclass(slots=True)
class _FloodWait:
    until: float  # time.monotonic()
    started: float
    informed: set[int]  # connections that carried a 429 during this wait


def flood_limited(method: str) -> bool:
    """Methods a flood wait applies to: the ones that put something into a chat."""
    return method.startswith(("send", "copy", "forward", "edit"))


@dataclass(slots=True)
class Fault:
    """One injection rule. ``status=None`` with ``delay`` only slows the answer down."""

    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    description: str | None = None
    delay: float = 0.0
    times: int | None = None  # None: unlimited (subject to probability)
    probability: float = 1.0
    chat_id: int | str | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)
    hits: int = 0

    def applies(self, method: str, chat_id: object) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is None:
            if method == "getUpdates":
                return False  # background polling only meets faults that name it
        elif self.method != method:
            return False
        if self.chat_id is not None and str(self.chat_id) != str(chat_id):
            return False
        return self.probability >= 1.0 or self.rng.random() < self.probability

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            retry_after = self.retry_after if self.retry_after is not None else 1
            description = self.description or f"Too Many Requests: retry after {retry_after}"
            return ApiError(429, description, retry_after=retry_after)
        description = self.description or DEFAULT_DESCRIPTIONS.get(self.status, "Error")
        return ApiError(self.status, description)


@dataclass(slots=True)
class ChatLimit:
    """At most ``calls`` accepted calls to one chat within ``seconds`` (Telegram: about 1/s)."""

    calls: int = 3
    seconds: float = 3.0
    refused: int = 0  # calls answered 429 by this limit


class FaultInjector:
    """Matches requests against injected faults and enforces flood waits."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.early_calls = 0
        # Flood waits per chat id; None is "every chat".
        self._flood: dict[str | None, _FloodWait] = {}
        self.chat_limit: ChatLimit | None = None
        self._accepted: dict[str, deque[float]] = {}  # per chat, for chat_limit

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()
        self._flood.clear()
        self.chat_limit = None
        self._accepted.clear()

    def match(self, method: str, chat_id: object) -> Fault | None:
        for fault in self.faults:
            if fault.applies(method, chat_id):
                fault.hits += 1
                return fault
        return None

    def start_flood_wait(self, fault: Fault, retry_after: int, connection: int) -> None:
        key = None if fault.chat_id is None else str(fault.chat_id)
        now = time.monotonic()
        self._flood[key] = _FloodWait(until=now + retry_after, started=now, informed={connection})

    def check_flood_wait(self, method: str, chat_id: object, connection: int) -> ApiError | None:
        """A 429 for a call that arrives before an earlier retry_after has expired."""
        if not self._flood or not flood_limited(method):
            return None
        now = time.monotonic()
        waits = [self._flood.get(None)]
        if chat_id is not None:
            waits.append(self._flood.get(str(chat_id)))
        active = [w for w in waits if w is not None and w.until > now]
        if not active:
            return None
        wait = max(active, key=lambda w: w.until)
        if connection in wait.informed or now - wait.started > IN_FLIGHT_GRACE:
            self.early_calls += 1
        wait.informed.add(connection)
        remaining = max(1, math.ceil(wait.until - now))
        return ApiError(429, f"Too Many Requests: retry after {remaining}", retry_after=remaining)

    def check_chat_limit(self, method: str, chat_id: object, connection: int) -> ApiError | None:
        """A 429 (and a flood wait for this chat) when the chat is written to too often."""
        limit = self.chat_limit
        if limit is None or chat_id is None or not flood_limited(method):
            return None
        key = str(chat_id)
        now = time.monotonic()
        recent = self._accepted.setdefault(key, deque())
        while recent and recent[0] <= now - limit.seconds:
            recent.popleft()
        if len(recent) < limit.calls:
            recent.append(now)
            return None
        limit.refused += 1
        retry_after = max(1, math.ceil(recent[0] + limit.seconds - now))
        self._flood[key] = _FloodWait(until=now + retry_after, started=now, informed={connection})
        return ApiError(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )
