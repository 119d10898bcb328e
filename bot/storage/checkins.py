"""Check-ins: a value per membership and week, never free text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignore
from bot.storage.tables import checkin, group, membership

# "hard": the private "it was difficult" answer to a joint exercise.
VALUES = ("done", "partly", "notyet", "hard")


async def record(
    conn: AsyncConnection, membership_id: int, week: int, value: str, now: datetime
) -> None:
    """One answer per week; answering again replaces it."""
    if value not in VALUES:
        raise ValueError(value)
    stmt = insert_ignore(conn, checkin, "membership_id", "week").values(
        membership_id=membership_id, week=week, value=value, answered_at=now
    )
    result = await conn.execute(stmt)
    if not result.rowcount:
        await conn.execute(
            update(checkin)
            .where(checkin.c.membership_id == membership_id, checkin.c.week == week)
            .values(value=value, answered_at=now)
        )


async def history(conn: AsyncConnection, person_id: int) -> list[tuple[str, int, str]]:
    """(group name, week, value) for a person's own /progress, oldest first."""
    rows = await conn.execute(
        select(group.c.name, checkin.c.week, checkin.c.value)
        .select_from(checkin.join(membership).join(group))
        .where(membership.c.person_id == person_id)
        .order_by(group.c.id, checkin.c.week)
    )
    return [(n, w, v) for n, w, v in rows]
