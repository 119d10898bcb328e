"""The counts `foyer status` and /healthz report, aggregated in SQL: never a row loaded.

Each query is a range of an existing index, so a health check stays cheap on a million-row
outbox: the backlog and the settled counts read ``ix_outbox_status_due`` (status, due_at)
only; the blocked people are a count over ``person``, a table of people, not of messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.outbox import BLOCKED, EXPIRED, FAILED, WAITING
from bot.storage.tables import outbox, person

# The final states a health check counts over a recent window (sent ones are not a problem).
SETTLED_PROBLEMS = (FAILED, EXPIRED, BLOCKED)


@dataclass(frozen=True)
class Backlog:
    """Messages due by now and not sent yet (pending, or being sent right now)."""

    count: int
    oldest_due: datetime | None


async def backlog(conn: AsyncConnection, now: datetime) -> Backlog:
    row = (
        await conn.execute(
            select(func.count(), func.min(outbox.c.due_at)).where(
                outbox.c.status.in_(WAITING), outbox.c.due_at <= now
            )
        )
    ).one()
    return Backlog(int(row[0]), row[1])


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


async def blocked_people(conn: AsyncConnection) -> int:
    """People who blocked the bot (Telegram answered Forbidden to a message for them)."""
    return int(await conn.scalar(select(func.count()).where(person.c.blocked)) or 0)
