"""The counts `foyer status` and /healthz report, aggregated in SQL: never a row loaded.

Each query is a range of an existing index, ``ix_outbox_status_due`` (status, due_at), so a
health check stays cheap on a million-row outbox (bench/health_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.outbox import BLOCKED, EXPIRED, FAILED, WAITING
from bot.storage.tables import outbox

# The final states a health check counts over a recent window (sent ones are not a problem).
SETTLED_PROBLEMS = (FAILED, EXPIRED, BLOCKED)


# The backlog is counted up to here: counting a million index entries costs 0.15 s on SQLite,
# where a check shares the replies' one connection; past this many, the number hardly matters
# (100 000 messages are an hour of Telegram's ~30 a second).
BACKLOG_CAP = 100_000


@dataclass(frozen=True)
class Backlog:
    """Messages due by now and not sent yet (pending, or being sent right now): ``count`` up
    to BACKLOG_CAP (``capped``: at least that many)."""

    count: int
    oldest_due: datetime | None

    @property
    def capped(self) -> bool:
        return self.count >= BACKLOG_CAP


async def backlog(conn: AsyncConnection, now: datetime) -> Backlog:
    due = outbox.c.due_at <= now
    waiting = (
        select(literal(1)).where(outbox.c.status.in_(WAITING), due).limit(BACKLOG_CAP).subquery()
    )
    count = await conn.scalar(select(func.count()).select_from(waiting))
    # min() per status: one index look-up each, where min() over IN (...) reads the range.
    oldest = [
        await conn.scalar(select(func.min(outbox.c.due_at)).where(outbox.c.status == s, due))
        for s in WAITING
    ]
    return Backlog(int(count or 0), min((o for o in oldest if o is not None), default=None))


async def settled_since(conn: AsyncConnection, since: datetime) -> dict[str, int]:
    """How many messages due since ``since`` ended failed, expired or blocked (0 for each
    state none did)."""
    rows = await conn.execute(
        select(outbox.c.status, func.count())
        .where(outbox.c.status.in_(SETTLED_PROBLEMS), outbox.c.due_at >= since)
        .group_by(outbox.c.status)
    )
    found = {status: int(n) for status, n in rows}
    return {state: found.get(state, 0) for state in SETTLED_PROBLEMS}


async def blocked_since(conn: AsyncConnection, since: datetime) -> int:
    """People (or linked group chats) who blocked the bot, or removed it, as their messages
    due since ``since`` found: chats, not messages (a block stops every row of the chat).
    Not a count over ``person``: a scan of a million people costs 0.07 s, this a range."""
    distinct_chats = func.count(func.distinct(outbox.c.chat_id))
    return int(
        await conn.scalar(
            select(distinct_chats).where(outbox.c.status == BLOCKED, outbox.c.due_at >= since)
        )
        or 0
    )
