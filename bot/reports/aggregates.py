"""Per-week group totals, read from the database. Never a row about one person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outbox_kinds import OutboxKind
from bot.domain.policy import suppress
from bot.domain.schedule import GroupSchedule
from bot.storage import sessions
from bot.storage.tables import checkin, membership, outbox, person

ACTIVE_WINDOW = timedelta(days=7)
CHECKIN_VALUES = ("done", "partly", "notyet")


@dataclass(frozen=True)
class WeekTotals:
    week: int
    meeting_day: date
    reached: int  # members whose message of the week was delivered
    done: int  # check-ins, from members who opted in to count
    partly: int
    notyet: int
    held: bool | None  # None: not logged
    attendance: int | None


@dataclass(frozen=True)
class GroupTotals:
    members: int
    active_7d: int
    sessions_held: int
    weeks: list[WeekTotals]


async def _reached(conn: AsyncConnection, group_id: int) -> dict[int, int]:
    rows = await conn.execute(
        select(outbox.c.week, func.count(distinct(outbox.c.membership_id)))
        .join(membership, membership.c.id == outbox.c.membership_id)
        .where(
            outbox.c.group_id == group_id,
            outbox.c.kind == OutboxKind.PROMPT,
            outbox.c.status == "sent",
            membership.c.role == "member",
        )
        .group_by(outbox.c.week)
    )
    return {w: n for w, n in rows}


async def _checkins(conn: AsyncConnection, group_id: int) -> dict[tuple[int, str], int]:
    rows = await conn.execute(
        select(checkin.c.week, checkin.c.value, func.count())
        .join(membership, membership.c.id == checkin.c.membership_id)
        .where(
            membership.c.group_id == group_id,
            membership.c.role == "member",
            membership.c.progress_opt_in.is_(True),
        )
        .group_by(checkin.c.week, checkin.c.value)
    )
    return {(w, v): n for w, v, n in rows}


async def _members(conn: AsyncConnection, group_id: int, active_since: datetime) -> tuple[int, int]:
    current = (
        membership.c.group_id == group_id,
        membership.c.role == "member",
        membership.c.status.in_(("active", "paused")),
    )
    total = (await conn.execute(select(func.count()).where(*current))).scalar_one()
    active = (
        await conn.execute(
            select(func.count())
            .select_from(membership.join(person, person.c.id == membership.c.person_id))
            .where(*current, person.c.last_seen_at >= active_since)
        )
    ).scalar_one()
    return int(total), int(active)


async def group_totals(
    conn: AsyncConnection, group_id: int, schedule: GroupSchedule, now: datetime
) -> GroupTotals:
    """Every week up to the latest delivered or met, oldest first."""
    reached = await _reached(conn, group_id)
    answers = await _checkins(conn, group_id)
    logged = await sessions.of_group(conn, group_id)
    members, active = await _members(conn, group_id, now - ACTIVE_WINDOW)
    last = max(schedule.current_week(now), schedule.last_meeting_week(now), *logged, 0)
    weeks = []
    for w in range(1, min(last, schedule.weeks) + 1):
        log = logged.get(w)
        weeks.append(
            WeekTotals(
                week=w,
                meeting_day=schedule.meeting_day(w),
                reached=reached.get(w, 0),
                done=answers.get((w, "done"), 0),
                partly=answers.get((w, "partly"), 0),
                notyet=answers.get((w, "notyet"), 0),
                held=log.held if log else None,
                attendance=log.attendance if log and log.held else None,
            )
        )
    held = sum(1 for s in logged.values() if s.held)
    return GroupTotals(members=members, active_7d=active, sessions_held=held, weeks=weeks)


@dataclass(frozen=True)
class ShownWeek:
    """One week as shown to people: every count already suppressed."""

    week: int
    meeting_day: date
    reached: str
    done: str
    partly: str
    notyet: str
    held: bool | None
    attendance: str | None


def shown(t: WeekTotals, min_count: int) -> ShownWeek:
    return ShownWeek(
        week=t.week,
        meeting_day=t.meeting_day,
        reached=suppress(t.reached, min_count),
        done=suppress(t.done, min_count),
        partly=suppress(t.partly, min_count),
        notyet=suppress(t.notyet, min_count),
        held=t.held,
        attendance=suppress(t.attendance, min_count) if t.attendance is not None else None,
    )


def in_range(weeks: list[WeekTotals], start: date | None, end: date | None) -> list[WeekTotals]:
    return [
        w
        for w in weeks
        if (start is None or w.meeting_day >= start) and (end is None or w.meeting_day <= end)
    ]
