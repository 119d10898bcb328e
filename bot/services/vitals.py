"""What the running application notes for `foyer status`, /healthz and the metrics.

- After each planner tick it ran: the ``planner.tick`` mark and the tick's duration.
- Every MARK_SECONDS, a small job: the last 2xx answer of the Bot API (kept in memory by
  bot/infra/http_client.py) written as ``bot_api.ok`` when it moved, and the outbox backlog
  gauge refreshed when metrics are served. A bot that heard nothing from Telegram for
  PROBE_AFTER (a quiet webhook bot makes no call at all) asks getMe, so the mark says whether
  Telegram answers, not whether anyone wrote.

None of it may slow or break a reply or a send: the marks are written by jobs, in their own
short transactions, and writes refused for over a minute are a warning at most once a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.infra.http_client import AiohttpRequest
from bot.infra.log_setup import Throttled
from bot.runtime import Runtime
from bot.storage import service_counts, service_marks

log = logging.getLogger(__name__)

# Often enough for a health check polled every 30 s or so; one tiny upsert each time at most.
MARK_SECONDS = 15.0
# Well inside health.BOT_API_SILENT (10 minutes), so a quiet bot is never reported silent.
PROBE_AFTER = timedelta(minutes=5)
# Marks refused for less than this are not worth a line: a passing fault (a full disk, a lock)
# is the sender's one line already (bot/delivery/write_pause.py), and the next mark catches up.
# Longer, a warning at most once a minute (`foyer status` meanwhile shows the marks ageing).
QUIET_FAILURE = timedelta(minutes=1)


class Vitals:
    """The marks of one running app, and the job's memory between runs (which Bot API answer
    was written already)."""

    def __init__(
        self,
        rt: Runtime,
        bot: Bot,
        requests: Sequence[AiohttpRequest],
        probe_after: timedelta = PROBE_AFTER,
    ) -> None:
        self.probe_after = probe_after
        self._rt = rt
        self._bot = bot
        self._requests = requests
        self._written: float | None = None
        self._started = time.monotonic()
        self.quiet_failure = QUIET_FAILURE
        self._warn = Throttled(log)
        self._failing_since: float | None = None  # time.monotonic() of the first refused mark

    async def planner_ticked(self, seconds: float) -> None:
        """A tick ran to its end: its duration for the metrics, the mark for status."""
        rt = self._rt
        rt.metrics.tick_seconds.observe(seconds)
        try:
            async with rt.engine.begin() as conn:
                await service_marks.write(conn, service_marks.PLANNER_TICK, rt.clock.now())
        except Exception as exc:  # the next tick writes it again
            self._refused(service_marks.PLANNER_TICK, exc)
        else:
            self._failing_since = None

    def _last_ok(self) -> float | None:
        seen = [r.last_ok for r in self._requests if r.last_ok is not None]
        return max(seen) if seen else None

    async def run(self) -> None:
        """One round of the job (never raises)."""
        last = self._last_ok()
        quiet_since = last if last is not None else self._started
        if time.monotonic() - quiet_since > self.probe_after.total_seconds():
            try:
                await self._bot.get_me()  # its answer moves last_ok
            except TelegramError:
                pass  # the mark stays old: `foyer status` says Telegram is silent
            last = self._last_ok()
        rt = self._rt
        moved = last is not None and last != self._written
        if not (moved or rt.settings.metrics_listen):
            return  # nothing to write: no transaction taken from the replies' database
        try:
            async with rt.engine.begin() as conn:
                if moved and last is not None:
                    at = rt.clock.now() - timedelta(seconds=time.monotonic() - last)
                    await service_marks.write(conn, service_marks.BOT_API_OK, at)
                if rt.settings.metrics_listen:
                    backlog = await service_counts.backlog(conn, rt.clock.now())
                    rt.metrics.backlog.set(backlog.count)
        except Exception as exc:
            self._refused(service_marks.BOT_API_OK, exc)
            return
        self._failing_since = None
        self._written = last

    def _refused(self, mark: str, exc: Exception) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        failing = now - self._failing_since
        if failing < self.quiet_failure.total_seconds():
            log.debug("vitals.mark_failed mark=%s error=%s", mark, type(exc).__name__)
            return
        self._warn.warning(
            "mark",
            "vitals.mark_failed mark=%s error=%s failing_s=%d",
            mark,
            type(exc).__name__,
            failing,
        )
