"""Groups and their planner cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.places import country_for_timezone
from bot.domain.schedule import GroupSchedule
from bot.storage.tables import group, membership


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    curriculum_id: str
    language: str
    timezone: str
    meet_weekday: int
    meet_time: time
    deliver_weekday: int
    deliver_time: time
    starts_on: date
    checkin_after_days: int
    postponed_weeks: tuple[int, ...]
    paused: bool
    chat_id: int | None
    planned_until: datetime
    next_event_at: datetime | None
    country: str | None = None
    reminder_24h: bool = True
    reminder_1h: bool = True
    guide_hours_before: int = 24
    weekly_summary: bool = False
    couples_curriculum_id: str | None = None
    couples_weeks: str = ""
    region: str | None = None

    def schedule(self, weeks: int) -> GroupSchedule:
        return GroupSchedule(
            timezone=self.timezone,
            meet_weekday=self.meet_weekday,
            meet_time=self.meet_time,
            deliver_weekday=self.deliver_weekday,
            deliver_time=self.deliver_time,
            starts=self.starts_on,
            weeks=weeks,
            checkin_after_days=self.checkin_after_days,
            postponed_weeks=self.postponed_weeks,
        )


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def _row(r: object) -> GroupRow:
    m = r._mapping  # type: ignore[attr-defined]
    return GroupRow(
        id=m["id"],
        name=m["name"],
        curriculum_id=m["curriculum_id"],
        language=m["language"],
        timezone=m["timezone"],
        meet_weekday=m["meet_weekday"],
        meet_time=time.fromisoformat(m["meet_time"]),
        deliver_weekday=m["deliver_weekday"],
        deliver_time=time.fromisoformat(m["deliver_time"]),
        starts_on=m["starts_on"],
        checkin_after_days=m["checkin_after_days"],
        postponed_weeks=tuple(int(p) for p in m["postponed_weeks"].split(",") if p),
        paused=m["paused"],
        chat_id=m["chat_id"],
        planned_until=m["planned_until"],
        next_event_at=m["next_event_at"],
        country=m["country"],
        reminder_24h=m["reminder_24h"],
        reminder_1h=m["reminder_1h"],
        guide_hours_before=m["guide_hours_before"],
        weekly_summary=m["weekly_summary"],
        couples_curriculum_id=m["couples_curriculum_id"],
        couples_weeks=m["couples_weeks"],
        region=m["region"],
    )


async def create(
    conn: AsyncConnection,
    *,
    name: str,
    curriculum_id: str,
    language: str,
    schedule: GroupSchedule,
    now: datetime,
    couples_weeks: str = "",
    country: str | None = None,
    guide_hours_before: int = 24,
    region: str | None = None,
) -> int:
    result = await conn.execute(
        group.insert().values(
            name=name,
            curriculum_id=curriculum_id,
            language=language,
            timezone=schedule.timezone,
            meet_weekday=schedule.meet_weekday,
            meet_time=_hm(schedule.meet_time),
            deliver_weekday=schedule.deliver_weekday,
            deliver_time=_hm(schedule.deliver_time),
            starts_on=schedule.starts,
            checkin_after_days=schedule.checkin_after_days,
            guide_hours_before=guide_hours_before,
            postponed_weeks="",
            couples_weeks=couples_weeks,
            # Referral resources follow the group's country: given, or read off its timezone.
            country=country or country_for_timezone(schedule.timezone),
            region=region,
            paused=False,
            created_at=now,
            planned_until=now,
            next_event_at=schedule.next_event_at(now),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def get(conn: AsyncConnection, group_id: int) -> GroupRow | None:
    row = (await conn.execute(select(group).where(group.c.id == group_id))).first()
    return _row(row) if row else None


async def list_all(conn: AsyncConnection) -> list[GroupRow]:
    rows = await conn.execute(select(group).order_by(group.c.id))
    return [_row(r) for r in rows]


async def due(conn: AsyncConnection, now: datetime) -> list[GroupRow]:
    """Groups with a scheduled event at or before now: an indexed range scan on next_event_at."""
    rows = await conn.execute(
        select(group)
        .where(group.c.next_event_at <= now, group.c.paused.is_(False))
        .order_by(group.c.next_event_at)
    )
    return [_row(r) for r in rows]


async def advance_cursor(
    conn: AsyncConnection, group_id: int, planned_until: datetime, next_event_at: datetime | None
) -> None:
    await conn.execute(
        update(group)
        .where(group.c.id == group_id)
        .values(planned_until=planned_until, next_event_at=next_event_at)
    )


async def member_counts(conn: AsyncConnection) -> dict[int, int]:
    rows = await conn.execute(
        select(membership.c.group_id, func.count())
        .where(membership.c.role == "member", membership.c.status.in_(("active", "paused")))
        .group_by(membership.c.group_id)
    )
    return {gid: n for gid, n in rows}


async def set_region(conn: AsyncConnection, group_id: int, region: str | None) -> bool:
    """The group's region for the programme reports; False when there is no such group."""
    result = await conn.execute(update(group).where(group.c.id == group_id).values(region=region))
    return bool(result.rowcount)
