"""The session log: did week N's meeting happen, and how many came (counts only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignore
from bot.storage.tables import session_log


@dataclass(frozen=True)
class SessionRow:
    week: int
    held: bool
    attendance: int | None


async def record(
    conn: AsyncConnection,
    group_id: int,
    week: int,
    *,
    held: bool,
    attendance: int | None,
    now: datetime,
) -> None:
    """Insert or correct the week's entry (a co-facilitator's later answer wins)."""
    inserted = await conn.execute(
        insert_ignore(conn, session_log, "group_id", "week").values(
            group_id=group_id, week=week, held=held, attendance=attendance, logged_at=now
        )
    )
    if not inserted.rowcount:
        await conn.execute(
            update(session_log)
            .where(session_log.c.group_id == group_id, session_log.c.week == week)
            .values(held=held, attendance=attendance, logged_at=now)
        )


async def of_group(conn: AsyncConnection, group_id: int) -> dict[int, SessionRow]:
    rows = await conn.execute(
        select(session_log.c.week, session_log.c.held, session_log.c.attendance).where(
            session_log.c.group_id == group_id
        )
    )
    return {r.week: SessionRow(r.week, bool(r.held), r.attendance) for r in rows}
