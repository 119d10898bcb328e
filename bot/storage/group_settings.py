"""A group's facilitator-controlled settings: reminders, guide, pause, postponements, chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import group


@dataclass(frozen=True)
class GroupSettings:
    reminder_24h: bool
    reminder_1h: bool
    guide_hours_before: int
    weekly_summary: bool
    chat_id: int | None


async def get(conn: AsyncConnection, group_id: int) -> GroupSettings | None:
    row = (
        await conn.execute(
            select(
                group.c.reminder_24h,
                group.c.reminder_1h,
                group.c.guide_hours_before,
                group.c.weekly_summary,
                group.c.chat_id,
            ).where(group.c.id == group_id)
        )
    ).first()
    if row is None:
        return None
    return GroupSettings(
        reminder_24h=bool(row.reminder_24h),
        reminder_1h=bool(row.reminder_1h),
        guide_hours_before=int(row.guide_hours_before),
        weekly_summary=bool(row.weekly_summary),
        chat_id=row.chat_id,
    )


TOGGLES = ("reminder_24h", "reminder_1h", "weekly_summary")


async def set_values(conn: AsyncConnection, group_id: int, **values: object) -> None:
    await conn.execute(update(group).where(group.c.id == group_id).values(**values))


async def set_postponed(conn: AsyncConnection, group_id: int, weeks: tuple[int, ...]) -> None:
    await set_values(conn, group_id, postponed_weeks=",".join(str(w) for w in weeks))


async def set_cursor(
    conn: AsyncConnection, group_id: int, planned_until: datetime, next_event_at: datetime | None
) -> None:
    await set_values(conn, group_id, planned_until=planned_until, next_event_at=next_event_at)


async def unlink_chat(conn: AsyncConnection, chat_id: int) -> int:
    result = await conn.execute(
        update(group).where(group.c.chat_id == chat_id).values(chat_id=None)
    )
    return result.rowcount or 0
