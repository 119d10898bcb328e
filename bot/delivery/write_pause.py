"""The sender's pause while the database refuses its writes (a full disk, a read-only file, a
lock held elsewhere, a server restarting)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

log = logging.getLogger(__name__)


class WritePause:
    """Whether the database refuses the sender's writes (its claims, its records): one log
    line when that starts, one when a write works again, and a growing wait between tries, so
    a full disk never becomes a storm of messages or of log lines."""

    QUIET_SECONDS = 60.0  # a database that comes and goes is said once a minute at most

    def __init__(self) -> None:
        self._failing = False
        self._delay = 0.5
        self._since = 0.0
        self._said = -self.QUIET_SECONDS
        self._writable = asyncio.Event()  # cuts every wait short once a write works again

    async def failed(self, step: str, exc: BaseException) -> None:
        """A write failed: say so if this starts a pause, then wait before the next try."""
        now = time.monotonic()
        if not self._failing:
            self._failing, self._since = True, now
            self._writable.clear()
            if now - self._said >= self.QUIET_SECONDS:
                self._said = now
                log.warning("sender.paused step=%s error=%s", step, type(exc).__name__)
        delay, self._delay = self._delay, min(self._delay * 2, 30.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._writable.wait(), delay)

    def ok(self) -> None:
        """A write worked."""
        if self._failing:
            self._failing, self._delay = False, 0.5
            self._writable.set()
            if self._said >= self._since:
                log.warning("sender.resumed after_s=%.0f", time.monotonic() - self._since)
