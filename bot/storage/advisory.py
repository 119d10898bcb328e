"""PostgreSQL advisory locks, so that several `foyer run` can share one database: the jobs that
must run once at a time (the planner, Foyer's forgetting, the staff menus) and the one process
that polls Telegram. On SQLite, one process serves a file (db_lock.py), so every lock here is
already this process's.

Advisory locks are taken on a session (a connection), not a row: PostgreSQL lets go of them
when the session ends, however its process ends, so a dead worker never holds a job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from enum import IntEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import asyncpg_dsn

log = logging.getLogger(__name__)

_FOYER = 0x466F796572  # "Foyer": its locks stay apart from any other program's on the server


class Lock(IntEnum):
    """The one place the keys are defined: one per job, and the poller's."""

    # Unchanged from the serving lock of earlier versions: an older Foyer that still holds
    # it is the poller, and a newer one on the same database follows it.
    POLLER = _FOYER
    PLANNER = _FOYER << 8 | 1
    AUTO_ERASE = _FOYER << 8 | 2
    RETENTION = _FOYER << 8 | 3
    STAFF_MENUS = _FOYER << 8 | 4
    MIGRATE = _FOYER << 8 | 5  # for its transaction (migrate.upgrade_on)
    HANDLED_UPDATES = _FOYER << 8 | 6  # pruning the ids of handled updates


@contextlib.asynccontextmanager
async def once(engine: AsyncEngine, lock: Lock) -> AsyncIterator[bool]:
    """Whether this worker runs the job now: False while another worker holds its lock (that
    one is running it), so the caller skips this run. Held on one pooled connection for the
    job, which may use others; the job's own transactions stay short."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as held:
        # Autocommit: the lock is the session's, and no transaction stays open for the job.
        conn = await held.execution_options(isolation_level="AUTOCOMMIT")
        taken = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": int(lock)})
        if not taken:
            log.debug("job.skipped lock=%s", lock.name)
            yield False
            return
        try:
            yield True
        finally:
            try:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": int(lock)})
            except BaseException:
                # A connection back in the pool must not hold the lock: closed, it lets go.
                await conn.invalidate()
                raise


class PollerLock:
    """The poller's session lock, on a connection of its own (asyncpg, outside the pool, so a
    busy pool never delays the check and a pool reset never drops it). Its methods are used
    by one task at a time, and answer False rather than raise: a database that cannot be
    reached makes a follower, never a second poller."""

    CHECK_SECONDS = 5.0  # a check that takes longer counts as the lock lost

    def __init__(self, url: str) -> None:
        self._dsn = asyncpg_dsn(url)
        self._conn: Any = None  # an asyncpg.Connection (an optional dependency)
        self._busy = asyncio.Lock()  # one query at a time on the connection

    async def take(self) -> bool:
        """Try to become the poller; True when this process holds the lock."""
        import asyncpg  # foyer[postgres]: settings checked it is installed for such a URL

        async with self._busy:
            try:
                if self._conn is None:
                    self._conn = await asyncpg.connect(self._dsn, timeout=self.CHECK_SECONDS)
                sql = "SELECT pg_try_advisory_lock($1)"
                taken = await asyncio.wait_for(
                    self._conn.fetchval(sql, int(Lock.POLLER)),
                    self.CHECK_SECONDS,
                )
            except Exception as exc:  # unreachable, refused, ended: a follower for now
                log.debug("leader.lock_failed error=%s", type(exc).__name__)
                await self._close()
                return False
            return bool(taken)

    async def held(self) -> bool:
        """Whether the lock is still this process's: its session is alive (PostgreSQL drops a
        session's locks only with the session)."""
        async with self._busy:
            if self._conn is None:
                return False
            try:
                await asyncio.wait_for(
                    self._conn.fetchval("SELECT 1"),
                    self.CHECK_SECONDS,
                )
            except Exception as exc:
                log.debug("leader.check_failed error=%s", type(exc).__name__)
                await self._close()
                return False
            return True

    async def release(self) -> None:
        """Let go (the session ends, and the lock with it)."""
        async with self._busy:
            await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()  # no goodbye to wait for
