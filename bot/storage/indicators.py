"""The programme's indicators counted on the database (docs/indicators.md): one GROUP BY per
indicator (or per family of indicators) by group, language and period, so no member is ever
loaded into Python; what comes back is at most groups x languages x periods counts.

Periods are calendar months or ISO weeks of the event's time in UTC (docs/indicators.md says
why). The database gives each event's first day of the period (month or Monday); Python names
it ("2026-12", "2026-W49") with bot.domain.indicators.period_of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.indicators import WHOLE, Indicator, PeriodKind, period_of
from bot.domain.outbox_kinds import OutboxKind
from bot.storage.tables import checkin, concern, group, help_count, membership, outbox, person
from bot.storage.tables import session_log as session

NO_GROUP = 0  # help shown to, or a concern filed by, a person in no group
UNKNOWN_LANGUAGE = "und"  # BCP 47 "undetermined": a concern whose author used /forget

# (group id, language, period label) -> count
Cells = dict[tuple[int, str, str], int]

_CHECKIN_VALUES = {
    "done": Indicator.CHECKIN_DONE,
    "partly": Indicator.CHECKIN_PARTLY,
    "notyet": Indicator.CHECKIN_NOTYET,
}
_STILL_TAKING_PART = ("active", "paused")


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _period_start(col: Any, kind: PeriodKind, dialect: str) -> ColumnElement[Any]:
    """The first day of the period holding ``col`` (a UTC timestamp or a date), on the database."""
    if dialect == "postgresql":
        unit = "month" if kind == "month" else "week"  # date_trunc's week starts on Monday
        return cast(func.date_trunc(unit, cast(col, DateTime)), Date)
    if kind == "month":
        return func.date(col, "start of month")
    return func.date(col, "weekday 0", "-6 days")  # the Sunday ending its week, less six days


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class Counter:
    """The counts of one report's range and period kind, on one connection."""

    def __init__(self, conn: AsyncConnection, start: date, end: date, kind: PeriodKind) -> None:
        self.conn = conn
        self.start = start
        self.end = end
        self.kind = kind
        self.dialect = conn.dialect.name
        self.since = _utc(start)
        self.until = _utc(end + timedelta(days=1))  # the end day included

    def period(self, col: Any) -> ColumnElement[Any]:
        return _period_start(col, self.kind, self.dialect)

    def within(self, col: Any) -> ColumnElement[bool]:
        return and_(col >= self.since, col < self.until)

    async def _cells(self, stmt: Any) -> Cells:
        """Rows of (group, language, period start, count) summed by period label."""
        out: Cells = defaultdict(int)
        for gid, lang, start, n in await self.conn.execute(stmt):
            if n:
                out[int(gid), str(lang), period_of(_day(start), self.kind)] += int(n)
        return dict(out)

    async def joined(self, role: str) -> Cells:
        """Memberships of a role (member: enrolled; partner: partners) begun in the period."""
        p = self.period(membership.c.joined_at)
        stmt = (
            select(membership.c.group_id, person.c.language, p, func.count())
            .join(person, person.c.id == membership.c.person_id)
            .where(membership.c.role == role, self.within(membership.c.joined_at))
            .group_by(membership.c.group_id, person.c.language, p)
        )
        return await self._cells(stmt)

    async def reached(self) -> Cells:
        """Members whose week's message was delivered in the period (once per period)."""
        return await self._cells(self._reached(self.period(outbox.c.sent_at)))

    async def reached_once(self) -> Cells:
        """Members whose week's message was delivered in the report's range, each counted
        once however many periods (label WHOLE)."""
        rows = await self.conn.execute(self._reached())
        return {(int(gid), str(lang), WHOLE): int(n) for gid, lang, n in rows if n}

    def _reached(self, *by: ColumnElement[Any]) -> Any:
        """Distinct members sent a week's message (delivered) by group, language and ``by``."""
        return (
            select(
                membership.c.group_id,
                person.c.language,
                *by,
                func.count(outbox.c.membership_id.distinct()),
            )
            .join(membership, membership.c.id == outbox.c.membership_id)
            .join(person, person.c.id == membership.c.person_id)
            .where(
                outbox.c.kind == OutboxKind.PROMPT,
                outbox.c.status == "sent",
                membership.c.role == "member",
                self.within(outbox.c.sent_at),
            )
            .group_by(membership.c.group_id, person.c.language, *by)
        )

    async def retained(self, periods: Iterable[str]) -> Cells:
        """Members taking part at each period's end E: joined before E, and by E neither gone
        (stopped, removed: membership.left_at) nor blocking the bot (person.blocked_at). A
        member who left or blocked before those dates were kept (revision 0012) has none, and
        is counted nowhere, as today's status says (docs/indicators.md)."""
        base = membership.join(person, person.c.id == membership.c.person_id)
        counted = (membership.c.role == "member", *_dated_or_taking_part())
        out_at = _out_at()
        by = (membership.c.group_id, person.c.language)
        # Taking part when the report begins, then each period's joins in and leavers out.
        running: dict[tuple[int, str], int] = defaultdict(int)
        rows = await self.conn.execute(
            select(*by, func.count())
            .select_from(base)
            .where(
                *counted,
                membership.c.joined_at < self.since,
                or_(out_at.is_(None), out_at >= self.since),
            )
            .group_by(*by)
        )
        for gid, lang, n in rows:
            running[int(gid), str(lang)] += int(n)
        changes: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
        for col, sign in ((membership.c.joined_at, 1), (out_at, -1)):
            p = self.period(col)
            moved = await self._cells(
                select(*by, p, func.count())
                .select_from(base)
                .where(*counted, self.within(col))
                .group_by(*by, p)
            )
            for (gid, lang, label), n in moved.items():
                changes[label].append((gid, lang, sign * n))
        # A running total over the periods, in order, per group and language.
        out: Cells = {}
        for label in periods:
            for gid, lang, n in changes.get(label, ()):
                running[gid, lang] += n
            for (gid, lang), n in running.items():
                if n:
                    out[gid, lang, label] = n
        return out

    async def checkins(self) -> dict[Indicator, Cells]:
        """Check-in answers by value, from members who opted in to be counted."""
        p = self.period(checkin.c.answered_at)
        rows = await self.conn.execute(
            select(membership.c.group_id, person.c.language, p, checkin.c.value, func.count())
            .select_from(
                checkin.join(membership, membership.c.id == checkin.c.membership_id).join(
                    person, person.c.id == membership.c.person_id
                )
            )
            .where(
                membership.c.role == "member",
                membership.c.progress_opt_in.is_(True),
                self.within(checkin.c.answered_at),
            )
            .group_by(membership.c.group_id, person.c.language, p, checkin.c.value)
        )
        out: dict[Indicator, Cells] = {i: defaultdict(int) for i in _CHECKIN_VALUES.values()}
        answered: Cells = defaultdict(int)
        for gid, lang, start, value, n in rows:
            key = (int(gid), str(lang), period_of(_day(start), self.kind))
            if value in _CHECKIN_VALUES:
                out[_CHECKIN_VALUES[value]][key] += int(n)
                answered[key] += int(n)
        return {Indicator.CHECKIN_ANSWERED: dict(answered)} | {i: dict(c) for i, c in out.items()}

    async def meetings(self) -> dict[Indicator, Cells]:
        """Meetings logged as held in the period, and the people the facilitator counted there;
        their language is the group's (a meeting has no one person's language)."""
        p = self.period(session.c.logged_at)
        rows = await self.conn.execute(
            select(
                session.c.group_id,
                group.c.language,
                p,
                func.count(),
                func.coalesce(func.sum(session.c.attendance), 0),
            )
            .join(group, group.c.id == session.c.group_id)
            .where(session.c.held.is_(True), self.within(session.c.logged_at))
            .group_by(session.c.group_id, group.c.language, p)
        )
        held: Cells = defaultdict(int)
        people: Cells = defaultdict(int)
        for gid, lang, start, n, attended in rows:
            key = (int(gid), str(lang), period_of(_day(start), self.kind))
            held[key] += int(n)
            if attended:
                people[key] += int(attended)
        return {Indicator.MEETINGS_HELD: dict(held), Indicator.ATTENDANCE: dict(people)}

    async def help_shown(self) -> Cells:
        p = self.period(help_count.c.day)
        return await self._cells(
            select(help_count.c.group_id, help_count.c.language, p, func.sum(help_count.c.count))
            .where(help_count.c.day >= self.start, help_count.c.day <= self.end)
            .group_by(help_count.c.group_id, help_count.c.language, p)
        )

    async def concerns(self) -> Cells:
        """Concerns filed in the period (those not yet purged), by their author's language."""
        p = self.period(concern.c.created_at)
        gid = func.coalesce(concern.c.group_id, literal(NO_GROUP))
        lang = func.coalesce(person.c.language, literal(UNKNOWN_LANGUAGE))
        return await self._cells(
            select(gid, lang, p, func.count())
            .select_from(concern.outerjoin(person, person.c.id == concern.c.reporter_id))
            .where(self.within(concern.c.created_at))
            .group_by(gid, lang, p)
        )


def _dated_or_taking_part() -> tuple[ColumnElement[bool], ...]:
    """Rows whose leaving and blocking are dated, or that never left nor blocked: a leaver or a
    blocker from before revision 0012 has no date to count him by (counted nowhere)."""
    return (
        or_(membership.c.left_at.is_not(None), membership.c.status.in_(_STILL_TAKING_PART)),
        or_(person.c.blocked_at.is_not(None), person.c.blocked.is_(False)),
    )


def _out_at() -> ColumnElement[Any]:
    """When a member stopped taking part, NULL if he still does: the first of his leaving and
    his blocking, never before he joined (so each leaver is taken out after he was put in,
    and the running total is exact)."""
    left, blocked, joined = membership.c.left_at, person.c.blocked_at, membership.c.joined_at
    first = case(
        (and_(blocked.is_not(None), or_(left.is_(None), blocked < left)), blocked), else_=left
    )
    return case((first < joined, joined), else_=first)


async def count_all(
    conn: AsyncConnection,
    indicators: Iterable[Indicator],
    *,
    start: date,
    end: date,
    kind: PeriodKind,
    periods: Iterable[str],
) -> dict[Indicator, Cells]:
    """The cells of every indicator asked for, each family counted once."""
    wanted = set(indicators)
    c = Counter(conn, start, end, kind)
    out: dict[Indicator, Cells] = {}
    if Indicator.ENROLLED in wanted:
        out[Indicator.ENROLLED] = await c.joined("member")
    if Indicator.PARTNERS in wanted:
        out[Indicator.PARTNERS] = await c.joined("partner")
    if Indicator.REACHED in wanted:
        out[Indicator.REACHED] = await c.reached() | await c.reached_once()
    if Indicator.RETAINED in wanted:
        out[Indicator.RETAINED] = await c.retained(periods)
    if wanted & {*_CHECKIN_VALUES.values(), Indicator.CHECKIN_ANSWERED}:
        out |= await c.checkins()
    if wanted & {Indicator.MEETINGS_HELD, Indicator.ATTENDANCE}:
        out |= await c.meetings()
    if Indicator.HELP_SHOWN in wanted:
        out[Indicator.HELP_SHOWN] = await c.help_shown()
    if Indicator.CONCERNS in wanted:
        out[Indicator.CONCERNS] = await c.concerns()
    return {i: cells for i, cells in out.items() if i in wanted}


async def group_rows(conn: AsyncConnection) -> list[Any]:
    """What the report says of each group (no person, no chat)."""
    rows = await conn.execute(
        select(
            group.c.id,
            group.c.name,
            group.c.country,
            group.c.region,
            group.c.curriculum_id,
            group.c.language,
            group.c.starts_on,
            group.c.postponed_weeks,
            group.c.checkin_after_days,
            group.c.couples_weeks,
            group.c.created_at,
        ).order_by(group.c.id)
    )
    return list(rows)
