"""One poller among several workers: python-telegram-bot's Updater, polling only while this
process holds the poller's lock.

Telegram gives a bot's updates to one getUpdates consumer, so when several `foyer run` share
a database, the one holding the lock polls and the others try again every couple of seconds;
every worker sends and runs the jobs either way. When the poller dies, its database session
ends and PostgreSQL lets go of the lock: another worker polls within seconds. A poller that
can no longer show it holds the lock stops polling (otherwise two would poll) and tries again.

Updates the dead poller had fetched but not confirmed (Telegram's getUpdates offset) come
again to the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

from telegram.ext import Updater

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # a follower tries for the lock, and the poller checks it, this often
# After its election, a poller hears 409 Conflicts from the poller before it until that one
# sees the lock is lost: a check or two, each up to its time-out (PollerLock.CHECK_SECONDS).
HANDOVER_SECONDS = 15.0


class LeaderLock(Protocol):
    async def take(self) -> bool: ...
    async def held(self) -> bool: ...
    async def release(self) -> None: ...


class ElectedUpdater(Updater):
    """An Updater whose start_polling, once ``elect`` gave it a lock, polls while it holds the
    lock; without one it polls at once, as PTB's does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock: LeaderLock | None = None
        self._campaign: asyncio.Task[None] | None = None
        self._elected_at: float | None = None
        # Held while polling starts or stops, so that stop() never cancels one halfway.
        self._switching = asyncio.Lock()

    def elect(self, lock: LeaderLock) -> None:
        """Poll only while holding ``lock`` (before start_polling)."""
        self._lock = lock

    async def start_polling(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:
        if self._lock is None:
            return await super().start_polling(*args, **kwargs)
        self._campaign = asyncio.create_task(self._lead(self._lock, args, kwargs), name="leader")
        return self.update_queue

    async def _lead(self, lock: LeaderLock, args: Any, kwargs: Any) -> None:
        following = False
        while True:
            try:
                if await lock.take():
                    following = False
                    await self._poll_while_held(lock, args, kwargs)
                elif not following:  # one line when a worker starts following, not each try
                    following = True
                    log.info("leader.following")
            except Exception as exc:  # never a worker that silently stops trying
                log.error("leader.error error=%s", type(exc).__name__)
                await lock.release()
            await asyncio.sleep(RETRY_SECONDS)

    async def _poll_while_held(self, lock: LeaderLock, args: Any, kwargs: Any) -> None:
        async with self._switching:
            self._elected_at = time.monotonic()
            log.info("leader.elected")
            await super().start_polling(*args, **kwargs)
        while await lock.held():  # noqa: ASYNC110  (a check, every few seconds)
            await asyncio.sleep(RETRY_SECONDS)
        async with self._switching:
            self._elected_at = None
            log.warning("leader.lost")
            await super().stop()

    async def handover_conflict(self) -> bool:
        """Whether a 409 Conflict on getUpdates can be the other side of a handover between
        workers rather than another program on this token: this process was elected moments
        ago (the last poll of a poller that has not yet seen it lost the lock), or it no longer
        holds the lock (its polling stops at the next check)."""
        if self._lock is None:
            return False
        if self._elected_at is None:
            return True
        if time.monotonic() - self._elected_at < HANDOVER_SECONDS:
            return True
        return not await self._lock.held()

    async def stop(self) -> None:
        """Stop trying, stop polling (confirming the updates fetched), then let go of the lock,
        so another worker polls at once."""
        task, self._campaign = self._campaign, None
        if task is not None:
            async with self._switching:
                task.cancel()  # it waits for the lock, a check or a retry: never halfway
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.running:
            await super().stop()
        if self._lock is not None:
            await self._lock.release()

    async def shutdown(self) -> None:
        # A follower is not `running`, so PTB calls only this at the end.
        await self.stop()
        await super().shutdown()
