"""No update handled twice: each update's id is written once, before its handlers run.

Telegram delivers an update again when a webhook answered slowly or not at all, and a poller
that dies between fetching and confirming leaves its updates to the next poller. So the first
worker to see an update writes its id into ``handled_update`` (shared by every worker on one
database); whoever finds it there already drops the update. The updates arriving at the same
moment share one INSERT (a Batcher), which answers which of them were new (RETURNING gives the
rows it inserted). Rows older than a day are pruned: Telegram keeps an undelivered update for
24 hours, so none comes back later than that.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infra.clock import Clock
from bot.infra.log_setup import Throttled
from bot.storage.batching import Batcher
from bot.storage.tables import handled_update

log = logging.getLogger(__name__)

KEEP = timedelta(days=1)


@cache
def _record(postgres: bool) -> Any:
    insert = (postgresql if postgres else sqlite).insert(handled_update)
    return insert.on_conflict_do_nothing(index_elements=["update_id"]).returning(
        handled_update.c.update_id
    )


async def record_new(engine: AsyncEngine, update_ids: Sequence[int], now: datetime) -> list[bool]:
    """For each id, in order: whether this call wrote it first (a repeat within the same call
    is not new either). One statement, one transaction."""
    rows = [{"update_id": uid, "handled_at": now} for uid in dict.fromkeys(update_ids)]
    async with engine.begin() as conn:
        stmt = _record(conn.dialect.name == "postgresql").values(rows)
        inserted = set((await conn.execute(stmt)).scalars())
    new: list[bool] = []
    for uid in update_ids:
        new.append(uid in inserted)
        inserted.discard(uid)
    return new


async def prune(engine: AsyncEngine, now: datetime) -> int:
    """Forget the ids of updates handled over a day ago."""
    async with engine.begin() as conn:
        result = await conn.execute(
            delete(handled_update).where(handled_update.c.handled_at < now - KEEP)
        )
    return int(result.rowcount or 0)


class FirstSight:
    """``await first_time(update_id)``: False for an update already handled, here or by
    another worker. When the database cannot say (away, locked, full), True: the update goes
    on to its handlers, which answer "please try again" on a database fault, rather than being
    dropped as a duplicate it may not be."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._clock = clock
        self._engine = engine
        self._batch: Batcher[int, bool] = Batcher(self._run, "handled_updates")
        # On a full disk every update would add a line: one a minute, counting the others.
        self._throttled = Throttled(log)

    async def _run(self, update_ids: Sequence[int]) -> list[bool]:
        return await record_new(self._engine, update_ids, self._clock.now())

    async def first_time(self, update_id: int) -> bool:
        try:
            return await self._batch(update_id)
        except (DBAPIError, OSError) as exc:
            self._throttled.warning(
                "update.dedupe_failed",
                "update.dedupe_failed update_id=%s error=%s",
                update_id,
                type(exc).__name__,
            )
            return True
