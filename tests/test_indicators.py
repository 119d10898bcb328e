"""The programme's indicators against a hand count (issue 22, points 1 and 2).

The database is seeded directly through the tables (the storage layer): six months of four
groups' history (enrolments in different months, weekly messages delivered or not, check-ins,
logged meetings, partners, concerns, help shown) would take the real app minutes of simulated
weeks. The help counter itself is driven through the real app below. Each indicator is then
counted by hand, in plain Python over the same facts (not the same SQL), and compared with
every figure of the built report: per group, region, country, curriculum, language, month and
week, and the totals; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from bot.cli import main as cli_main
from bot.domain.curricula import Curricula
from bot.domain.indicators import Indicator, PeriodKind, period_of, periods
from bot.domain.suppression import SHARED, TOTAL
from bot.reports.programme import NO_GROUP_ROW, ProgrammeReport
from bot.reports.programme_build import build
from bot.storage import people
from bot.storage.db import make_engine
from bot.storage.tables import (
    checkin,
    concern,
    group,
    help_count,
    membership,
    outbox,
    person,
    session_log,
)
from tests.conftest import T0, Foyer
from tests.facilitator_helpers import make_facilitator, rows
from tests.test_removed_rejoin import remove
from tests.test_settings_and_cli import foyer as foyer_cli

CONVERSATIONS = Path(__file__).resolve().parent.parent / "conversations"
START, END = date(2026, 1, 1), date(2026, 6, 30)
WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # the week's first message (conftest's group)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass(frozen=True)
class G:
    id: int
    country: str
    region: str
    curriculum: str
    language: str
    starts: date  # first meeting (a Thursday)
    created: date
    # The days it runs, worked out by hand: from its creation (or first meeting, if earlier)
    # to its last week's check-in (last meeting + a week to the delivery + 3 days).
    runs: tuple[date, date]


GROUPS = (
    # men-groups-12 from Thursday 8 January: last meeting 26 March.
    G(1, "ML", "Ségou", "men-groups-12", "fr", date(2026, 1, 8), date(2025, 12, 20),
      (date(2025, 12, 20), date(2026, 4, 5))),
    # couples-8 from 5 February: last meeting 26 March.
    G(2, "ML", "Ségou", "couples-8", "bm", date(2026, 2, 5), date(2026, 1, 15),
      (date(2026, 1, 15), date(2026, 4, 5))),
    # men-groups-12 from 2 April (created 20 March): last meeting 18 June.
    G(3, "ML", "Kayes", "men-groups-12", "fr", date(2026, 4, 2), date(2026, 3, 20),
      (date(2026, 3, 20), date(2026, 6, 28))),
    G(4, "SN", "Dakar", "men-groups-12", "fr", date(2026, 1, 8), date(2026, 1, 2),
      (date(2026, 1, 2), date(2026, 4, 5))),
)  # fmt: skip


@dataclass(frozen=True)
class M:
    id: int
    group: int
    language: str
    joined: date
    role: str = "member"
    status: str = "active"
    opt_in: bool = True
    blocked: bool = False
    # When he left (stopped, removed) and when he blocked the bot: None for one who never did,
    # and for one who did before Foyer kept those dates (revision 0012).
    left_at: datetime | None = None
    blocked_at: datetime | None = None


@dataclass
class Facts:
    members: list[M] = field(default_factory=list)
    prompts: list[tuple[int, int, str, datetime]] = field(default_factory=list)  # m, w, status
    checkins: list[tuple[int, int, str, datetime]] = field(default_factory=list)  # m, w, value
    sessions: list[tuple[int, int, bool, int | None, datetime]] = field(default_factory=list)
    concerns: list[tuple[int | None, int | None, datetime]] = field(default_factory=list)
    help: list[tuple[date, int, str, int]] = field(default_factory=list)
    forgotten: set[int] = field(default_factory=set)  # people who used /forget


def facts() -> Facts:
    f = Facts()
    n = 0

    def add(group: int, language: str, joined: date, **kw: object) -> M:
        nonlocal n
        n += 1
        m = M(n, group, language, joined, **kw)  # type: ignore[arg-type]
        f.members.append(m)
        return m

    # Group 1: four join in January, two in February; one blocks the bot on 20 February and
    # stops on 10 March, one blocks the bot in March, one never opts in to be counted, one
    # uses /forget. Two joined in December, before the report: one stopped then, the other
    # is removed in January.
    g1 = [
        add(1, "fr", date(2026, 1, 5)),
        add(1, "bm", date(2026, 1, 6)),
        add(1, "fr", date(2026, 1, 7), status="stopped", left_at=at(date(2026, 3, 10)),
            blocked=True, blocked_at=at(date(2026, 2, 20))),
        add(1, "bm", date(2026, 1, 20), opt_in=False),
        add(1, "fr", date(2026, 2, 2), blocked=True, blocked_at=at(date(2026, 3, 6), 9)),
        add(1, "bm", date(2026, 2, 14)),
        add(1, "fr", date(2025, 12, 22), status="stopped", left_at=at(date(2025, 12, 30))),
        add(1, "bm", date(2025, 12, 23), status="removed", left_at=at(date(2026, 1, 19))),
    ]  # fmt: skip
    gone = add(1, "fr", date(2026, 1, 9))
    f.forgotten.add(gone.id)
    # Group 2, the couples: three members and two partners.
    g2 = [
        add(2, "bm", date(2026, 1, 20)),
        add(2, "bm", date(2026, 2, 1)),
        add(2, "fr", date(2026, 2, 3), status="paused"),
    ]
    add(2, "bm", date(2026, 2, 10), role="partner")
    add(2, "fr", date(2026, 3, 2), role="partner")
    # Group 3, from April; one joined in December, before the report. Two left before Foyer
    # dated leaving: removed, and blocking the bot (counted nowhere).
    g3 = [
        add(3, "fr", date(2025, 12, 28)),
        add(3, "fr", date(2026, 3, 25), blocked=True),
        add(3, "bm", date(2026, 3, 30)),
        add(3, "fr", date(2026, 4, 8), status="removed"),
        add(3, "fr", date(2026, 5, 5)),
    ]
    # Group 4: both join in January; one stops on Sunday 15 February, the other is removed as
    # April begins (at March's end he still took part).
    g4 = [
        add(4, "fr", date(2026, 1, 3), status="removed", left_at=at(date(2026, 4, 1), 0)),
        add(4, "fr", date(2026, 1, 4), status="stopped", left_at=at(date(2026, 2, 15), 18)),
    ]

    def blocked_from(m: M, g: G) -> datetime:
        """When messages to a blocker start failing: his date, else (undated) from week 4."""
        return m.blocked_at or at(g.starts + timedelta(weeks=3, days=1), 9)

    def weekly(ms: list[M], g: G, weeks: int) -> None:
        for w in range(1, weeks + 1):
            sent = at(g.starts + timedelta(weeks=w - 1, days=1), 9)
            for m in ms:
                if m.joined >= sent.date():
                    continue
                status = "blocked" if m.blocked and sent >= blocked_from(m, g) else "sent"
                if (m.id + w) % 7 == 0:
                    status = "failed"
                f.prompts.append((m.id, w, status, sent))
                if status == "sent" and (m.id * w) % 3 != 1:
                    value = ("done", "partly", "notyet")[(m.id + w) % 3]
                    f.checkins.append((m.id, w, value, sent + timedelta(days=3, hours=m.id)))

    weekly([*g1, gone], GROUPS[0], 12)
    weekly(g2, GROUPS[1], 8)
    weekly(g3, GROUPS[2], 12)
    weekly(g4, GROUPS[3], 5)
    for g, weeks in ((GROUPS[0], 12), (GROUPS[1], 8), (GROUPS[2], 11)):
        for w in range(1, weeks + 1):
            held = w % 5 != 0
            logged = at(g.starts + timedelta(weeks=w - 1), 19) + timedelta(days=w % 3)
            f.sessions.append((g.id, w, held, (3 + w % 6) if held and w != 2 else None, logged))
    f.concerns += [
        (1, g1[0].id, at(date(2026, 2, 10))),
        (1, None, at(date(2026, 2, 20))),  # an author who used /forget since
        (2, g2[1].id, at(date(2026, 3, 3))),
        (None, g3[0].id, at(date(2026, 4, 30))),  # from no group
        (3, g3[1].id, at(date(2026, 5, 1))),
        (4, g4[0].id, at(date(2026, 1, 30))),
    ]
    f.help += [
        (date(2026, 1, 12), 1, "fr", 2),
        (date(2026, 1, 31), 1, "bm", 1),
        (date(2026, 3, 9), 2, "bm", 4),
        (date(2026, 5, 18), 0, "en", 1),
        (date(2026, 5, 19), 3, "fr", 5),
        (date(2025, 12, 31), 1, "fr", 9),  # before the report
    ]
    return f


async def seed(url: str, f: Facts) -> None:
    engine = make_engine(url)
    created = at(date(2025, 12, 1))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(group),
                [
                    dict(
                        id=g.id,
                        name=f"Group {g.id}",
                        curriculum_id=g.curriculum,
                        language=g.language,
                        timezone="Africa/Bamako",
                        meet_weekday=3,
                        meet_time="17:00",
                        deliver_weekday=4,
                        deliver_time="09:00",
                        starts_on=g.starts,
                        checkin_after_days=3,
                        postponed_weeks="",
                        paused=False,
                        country=g.country,
                        region=g.region,
                        created_at=at(g.created),
                        planned_until=created,
                    )
                    for g in GROUPS
                ],
            )
            await conn.execute(
                insert(person),
                [
                    dict(
                        id=m.id,
                        telegram_id=7000 + m.id,
                        language=m.language,
                        discreet=False,
                        silent=False,
                        blocked=m.blocked,
                        blocked_at=m.blocked_at,
                        created_at=created,
                    )
                    for m in f.members
                ],
            )
            await conn.execute(
                insert(membership),
                [
                    dict(
                        id=m.id,
                        person_id=m.id,
                        group_id=m.group,
                        role=m.role,
                        status=m.status,
                        progress_opt_in=m.opt_in,
                        number=m.id,
                        joined_at=at(m.joined, 8),
                        left_at=m.left_at,
                    )
                    for m in f.members
                ],
            )
            group_of = {m.id: m.group for m in f.members}
            await conn.execute(
                insert(outbox),
                [
                    dict(
                        key=f"g{group_of[mid]}:w{w}:prompt:m{mid}",
                        chat_id=7000 + mid,
                        person_id=mid,
                        membership_id=mid,
                        group_id=group_of[mid],
                        kind="prompt",
                        week=w,
                        due_at=sent,
                        status=status,
                        attempts=1,
                        sent_at=sent if status == "sent" else None,
                    )
                    for mid, w, status, sent in f.prompts
                ],
            )
            await conn.execute(
                insert(checkin),
                [
                    dict(membership_id=mid, week=w, value=v, answered_at=t)
                    for mid, w, v, t in f.checkins
                ],
            )
            await conn.execute(
                insert(session_log),
                [
                    dict(group_id=g, week=w, held=h, attendance=a, logged_at=t)
                    for g, w, h, a, t in f.sessions
                ],
            )
            await conn.execute(
                insert(concern),
                [
                    dict(
                        reference=f"C-{i}",
                        kind="feedback",
                        about="programme",
                        anonymous=True,
                        reporter_id=reporter,
                        group_id=gid,
                        text="(a concern's words are never counted)",
                        status="open",
                        created_at=t,
                        purge_after=t + timedelta(days=365),
                    )
                    for i, (gid, reporter, t) in enumerate(f.concerns)
                ],
            )
            await conn.execute(
                insert(help_count),
                [dict(day=d, group_id=g, language=lang, count=c) for d, g, lang, c in f.help],
            )
            # /forget deletes the person; everything of theirs goes with them (cascade).
            await conn.execute(delete(person).where(person.c.id.in_(f.forgotten)))
    finally:
        await engine.dispose()


# ----- the hand count: plain Python over the facts -------------------------------------------

Key = tuple[str, str, str]  # (table, row, period)


class Hand:
    """Each indicator counted by hand, into every table of the report."""

    def __init__(self, f: Facts, kind: PeriodKind, groups: Iterable[G], no_group: bool) -> None:
        self.f = f
        self.kind = kind
        self.labels = periods(START, END, kind)
        self.groups = {g.id: g for g in groups}
        self.no_group = no_group
        self.people = {m.id: m for m in f.members if m.id not in f.forgotten}

    def period(self, t: datetime | date) -> str | None:
        day = t.date() if isinstance(t, datetime) else t
        return period_of(day, self.kind) if START <= day <= END else None

    def _spread(self, events: Iterable[tuple[int, str, datetime | date, int]]) -> dict[Key, int]:
        """(group, language, when, n) events into every table's cells, totals included."""
        out: dict[Key, int] = defaultdict(int)
        for gid, lang, when, n in events:
            p = self.period(when)
            if p is None or (gid == 0 and not self.no_group) or (gid and gid not in self.groups):
                continue
            g = self.groups.get(gid)
            rows = [("groups", str(gid)), ("language", lang)]
            if g is not None:
                rows += [("country", g.country), ("region", g.region), ("curriculum", g.curriculum)]
            else:
                rows += [("country", ""), ("region", ""), ("curriculum", "")]
            for table, row in rows:
                out[table, row, p] += n
                out[table, row, TOTAL] += n
            out[SHARED, TOTAL, p] += n
            out[SHARED, TOTAL, TOTAL] += n
        return out

    def members(self, role: str = "member") -> list[M]:
        return [m for m in self.people.values() if m.role == role]

    def joined(self, role: str) -> dict[Key, int]:
        return self._spread((m.group, m.language, m.joined, 1) for m in self.members(role))

    def reached(self) -> dict[Key, int]:
        seen = {
            (mid, self.period(t))
            for mid, _, status, t in self.f.prompts
            if status == "sent" and mid in self.people
        }
        per_period = self._spread(
            (self.people[mid].group, self.people[mid].language, self._day_in(p), 1)
            for mid, p in seen
            if p is not None
        )
        # The whole report's: each man once, however many periods he was reached in.
        once = self._spread(
            (self.people[mid].group, self.people[mid].language, START, 1)
            for mid in {mid for mid, p in seen if p is not None}
        )
        return self._totals_from(per_period, once)

    @staticmethod
    def _totals_from(per_period: dict[Key, int], whole: dict[Key, int]) -> dict[Key, int]:
        """The periods' counts with the totals column taken from ``whole``'s."""
        out = {k: n for k, n in per_period.items() if k[2] != TOTAL}
        return out | {k: n for k, n in whole.items() if k[2] == TOTAL}

    def _day_in(self, label: str) -> date:
        """A day of the period (its first inside the report)."""
        return next(d for d in self._days() if period_of(d, self.kind) == label)

    def _days(self) -> Iterable[date]:
        d = START
        while d <= END:
            yield d
            d += timedelta(days=1)

    def _end_of(self, label: str) -> date:
        return max(d for d in self._days() if period_of(d, self.kind) == label)

    def retained(self) -> dict[Key, int]:
        """Members taking part at the end of each period the group runs in: joined by then,
        not left by then, not blocking then; one who left or blocked undated, never."""
        out = []
        for label in self.labels:
            end = self._end_of(label)
            after = at(end + timedelta(days=1), 0)  # the period's end, as an instant
            for m in self.members():
                g = self.groups.get(m.group)
                if g is None or not self._runs(g, label):
                    continue
                if m.left_at is None:
                    gone = m.status not in ("active", "paused")
                else:
                    gone = m.left_at < after
                if m.blocked_at is None:
                    blocking = m.blocked
                else:
                    blocking = m.blocked_at < after
                if m.joined <= end and not gone and not blocking:
                    out.append((m.group, m.language, end, 1))
        per_period = self._spread(out)
        # The whole report's: those taking part at its end (a stock has no sum).
        last = self.labels[-1]
        return self._totals_from(
            per_period, {(t, r, TOTAL): n for (t, r, c), n in per_period.items() if c == last}
        )

    def _runs(self, g: G, label: str) -> bool:
        first, last = g.runs
        return any(first <= d <= last for d in self._days() if period_of(d, self.kind) == label)

    def checkins(self, value: str | None) -> dict[Key, int]:
        return self._spread(
            (self.people[mid].group, self.people[mid].language, t, 1)
            for mid, _, v, t in self.f.checkins
            if mid in self.people and self.people[mid].opt_in and value in (None, v)
        )

    def meetings(self, attendance: bool) -> dict[Key, int]:
        lang = {g.id: g.language for g in GROUPS}
        return self._spread(
            (gid, lang[gid], t, (a or 0) if attendance else 1)
            for gid, _, held, a, t in self.f.sessions
            if held
        )

    def help(self) -> dict[Key, int]:
        return self._spread((g, lang, d, c) for d, g, lang, c in self.f.help)

    def concerns(self) -> dict[Key, int]:
        return self._spread(
            (
                gid or 0,
                self.people[rid].language if rid in self.people else "und",
                t,
                1,
            )
            for gid, rid, t in self.f.concerns
        )

    def all(self) -> dict[Indicator, dict[Key, int]]:
        return {
            Indicator.ENROLLED: self.joined("member"),
            Indicator.REACHED: self.reached(),
            Indicator.RETAINED: self.retained(),
            Indicator.CHECKIN_ANSWERED: self.checkins(None),
            Indicator.CHECKIN_DONE: self.checkins("done"),
            Indicator.CHECKIN_PARTLY: self.checkins("partly"),
            Indicator.CHECKIN_NOTYET: self.checkins("notyet"),
            Indicator.MEETINGS_HELD: self.meetings(attendance=False),
            Indicator.ATTENDANCE: self.meetings(attendance=True),
            Indicator.PARTNERS: self.joined("partner"),
            Indicator.HELP_SHOWN: self.help(),
            Indicator.CONCERNS: self.concerns(),
        }


def figures(report: ProgrammeReport, indicator: Indicator) -> dict[Key, int | None]:
    return {cell: v for cell, v in report.tables[indicator].cells.items()}


async def report_of(
    db_url: str, *, kind: PeriodKind, min_count: int, country: str | None = None,
    audience: str = "safeguarding",
) -> ProgrammeReport:  # fmt: skip
    engine = make_engine(db_url)
    try:
        return await build(
            engine,
            Curricula(CONVERSATIONS),
            start=START,
            end=END,
            country=country,
            period_kind=kind,
            min_count=min_count,
            audience=audience,  # type: ignore[arg-type]
        )
    finally:
        await engine.dispose()


def compare(report: ProgrammeReport, hand: Hand) -> None:
    """Every published cell equals the hand count (zero where the hand count has none)."""
    expected = hand.all()
    for indicator, table in report.tables.items():
        for cell, value in table.cells.items():
            want = expected[indicator].get(cell, 0)
            assert value == want, (indicator, cell, value, want)
        # ... and the hand count has nothing the report lacks.
        assert {c for c, v in expected[indicator].items() if v} <= set(table.cells), indicator


@pytest.mark.parametrize("kind", ["month", "week"])
async def test_every_indicator_matches_the_hand_count(db_url: str, kind: PeriodKind) -> None:
    f = facts()
    await seed(db_url, f)
    report = await report_of(db_url, kind=kind, min_count=0)
    assert set(report.tables) == set(Indicator)
    assert [g.id for g in report.groups] == [1, 2, 3, 4]
    assert report.groups[0].region == "Ségou"
    compare(report, Hand(f, kind, GROUPS, no_group=True))
    # A few figures read as a person would, so the hand count itself is checked too.
    assert (
        report.count(Indicator.ENROLLED, "groups", "1", "2026-01") == 4 if kind == "month" else True
    )
    assert report.total(Indicator.PARTNERS) == 2
    # Only help and concerns have a row for people in no group: an empty row in the other
    # tables would be hidden, and its complements with it.
    for indicator, table in report.tables.items():
        with_row = ("groups", NO_GROUP_ROW, TOTAL) in table.cells
        assert with_row == (indicator in (Indicator.HELP_SHOWN, Indicator.CONCERNS)), indicator
    assert report.count(Indicator.HELP_SHOWN, "groups", NO_GROUP_ROW) == 1
    assert report.total(Indicator.CONCERNS) == 6


async def test_a_member_who_left_is_retained_in_the_periods_before(db_url: str) -> None:
    """Retention at a period's end counts who took part then, not who does today."""
    await seed(db_url, facts())
    report = await report_of(db_url, kind="month", min_count=0)

    def retained(gid: int) -> list[int | None]:
        months = ("2026-01", "2026-02", "2026-03", "2026-04")
        return [report.count(Indicator.RETAINED, "groups", str(gid), m) for m in months]

    # Group 1: in January four of those who joined then (the one removed on 19 January and the
    # one who stopped in December are gone); in February the blocker of 20 February is gone,
    # the two who joined came; in March the one who blocked on 6 March is gone; April: the
    # group ended on 5 April and is counted then too.
    assert retained(1) == [4, 5, 4, 4]
    # Group 4: one stopped on 15 February, the other removed at midnight as April began.
    assert retained(4) == [2, 1, 1, 0]
    # Group 3: the two who left before leaving was dated are never counted.
    assert report.count(Indicator.RETAINED, "groups", "3", "2026-05") == 3


async def test_a_country_report_holds_its_groups_only(db_url: str) -> None:
    f = facts()
    await seed(db_url, f)
    report = await report_of(db_url, kind="month", min_count=0, country="ml")
    assert report.country == "ML"
    assert [g.id for g in report.groups] == [1, 2, 3]
    compare(report, Hand(f, "month", GROUPS[:3], no_group=False))


async def test_the_programme_audience_never_holds_help_or_concerns(db_url: str) -> None:
    await seed(db_url, facts())
    report = await report_of(db_url, kind="month", min_count=1, audience="programme")
    assert Indicator.HELP_SHOWN not in report.tables
    assert Indicator.CONCERNS not in report.tables
    assert report.audience == "programme"
    assert report.total(Indicator.ENROLLED) is not None


async def test_small_counts_are_hidden_with_their_complements(db_url: str) -> None:
    f = facts()
    await seed(db_url, f)
    report = await report_of(db_url, kind="month", min_count=3)
    expected = Hand(f, "month", GROUPS, no_group=True).all()
    complementary = 0
    for indicator, table in report.tables.items():
        for cell, value in table.cells.items():
            true = expected[indicator].get(cell, 0)
            if cell in table.not_applicable:
                assert value == 0, (indicator, cell)  # a group not running: zero, shown
            elif true < 3:
                assert value is None, (indicator, cell, true)  # primary
            elif value is None:
                assert cell in table.complementary
                complementary += 1
            else:
                assert value == true, (indicator, cell)
        assert table.primary <= {c for c, v in table.cells.items() if v is None}
    assert complementary > 0  # some large counts hidden so the small ones cannot be worked out
    # Group 3 did not run in January: its cell is a known zero, not a hidden one.
    assert report.count(Indicator.MEETINGS_HELD, "groups", "3", "2026-01") == 0
    # Two concerns from group 1 in February: hidden.
    assert report.count(Indicator.CONCERNS, "groups", "1", "2026-02") is None


async def test_partners_of_a_group_with_no_couples_track_are_a_known_zero(db_url: str) -> None:
    """No partner can join a men's group without couples weeks: its partners are zero and
    known to be, shown as such; a couples group's small counts stay hidden."""
    f = facts()
    await seed(db_url, f)
    report = await report_of(db_url, kind="month", min_count=3)
    partners = report.tables[Indicator.PARTNERS]
    for g in GROUPS:
        cells = [("groups", str(g.id), p) for p in (*report.periods, TOTAL)]
        if g.curriculum == "men-groups-12":  # seeded with no couples weeks
            assert all(partners.cells[c] == 0 and c in partners.not_applicable for c in cells)
        else:
            ran = [c for c in cells if c[2] in ("2026-01", "2026-02", "2026-03", "2026-04")]
            assert not any(c in partners.not_applicable for c in ran)  # it ran then
            assert partners.cells["groups", str(g.id), "2026-02"] is None  # 1 joined: hidden
    # SN has only men's groups: its partners are known, in every month.
    assert partners.cells["country", "SN", TOTAL] == 0


# ----- foyer report programme -----------------------------------------------------------------


def _cli_env(db_url: str, min_count: int) -> dict[str, str]:
    return {
        "FOYER_DATABASE_URL": db_url,
        "FOYER_CONTENT_DIR": str(CONVERSATIONS),
        "FOYER_MIN_COUNT": str(min_count),
    }


async def test_the_command_prints_the_key_numbers_in_the_readers_language(db_url: str) -> None:
    f = facts()
    await seed(db_url, f)
    hand = Hand(f, "month", GROUPS, no_group=False).all()
    args = ("report", "programme", "--from", "2026-01-01", "--to", "2026-06-30")
    done = await asyncio.to_thread(foyer_cli, *args, "--lang", "fr", env=_cli_env(db_url, 1))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "1 janvier 2026" in lines[0]  # dates in the reader's language
    enrolled = next(line for line in lines if line.startswith("Membres inscrits"))  # French
    # The whole report's 15, and June's none: zero is under FOYER_MIN_COUNT=1, so hidden.
    assert hand[Indicator.ENROLLED][SHARED, TOTAL, TOTAL] == 15
    assert hand[Indicator.ENROLLED].get((SHARED, TOTAL, "2026-06"), 0) == 0
    assert enrolled.split()[2:] == ["15", "–"]
    assert not any("aide" in line or "Signalements" in line for line in lines)  # safeguarding
    # Admins' and focal points' view adds help and concerns: May's help shown 1 + 5 times.
    may = ("report", "programme", "--from", "2026-05-01", "--to", "2026-05-31")
    safeguarding = await asyncio.to_thread(
        foyer_cli, *may, "--safeguarding", env=_cli_env(db_url, 1)
    )
    assert safeguarding.returncode == 0, safeguarding.stderr
    help_line = next(ln for ln in safeguarding.stdout.splitlines() if ln.startswith("Times the"))
    assert help_line.split()[-2:] == ["6", "6"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--from", "2026-1-1", "--to", "2026-06-30"), "--from '2026-1-1': give a date"),
        (("--from", "2026-02-30", "--to", "2026-06-30"), "not a date in the calendar"),
        (("--from", "2026-06-30", "--to", "2026-01-01"), "is before --from"),
        (("--from", "2026-01-01", "--to", "2026-06-30", "--country", "Mali"), "two-letter"),
    ],
)
def test_bad_inputs_are_one_line_and_change_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    said: str,
) -> None:
    monkeypatch.setenv("FOYER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert cli_main(["report", "programme", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("foyer: ") and said in err, err
    assert not (tmp_path / "cli.db").exists()  # refused before the database is opened


# ----- the help counter, through the real app ---------------------------------------------------


async def _help_counts(f: Foyer, total: int) -> dict[tuple[int, str], int]:
    """The counters once they add up to ``total`` (written just after the help answer)."""
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        async with f.rt.engine.connect() as conn:
            rows = [tuple(r) for r in await conn.execute(select(help_count))]
        if sum(n for _, _, _, n in rows) >= total:
            return {(g, lang): n for day, g, lang, n in rows if day == T0.date()}
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.02)


async def test_help_shown_is_counted_by_group_and_language_never_by_person(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    stranger = foyer.new_user(language_code="fr")
    for uid, text in ((member, "/help"), (stranger, "/help"), (member, "/help")):
        foyer.emu.send_text(uid, text)
        await foyer.last_message(uid)
    assert await _help_counts(foyer, 3) == {(gid, "en"): 2, (0, "fr"): 1}
    assert {c.name for c in help_count.columns} == {"day", "group_id", "language", "count"}
    report = await build(
        foyer.rt.engine,
        foyer.rt.curricula,
        start=T0.date(),
        end=T0.date(),
        country=None,
        period_kind="month",
        min_count=0,
        audience="safeguarding",
    )
    assert report.count(Indicator.HELP_SHOWN, "groups", str(gid)) == 2
    assert report.count(Indicator.HELP_SHOWN, "groups", NO_GROUP_ROW) == 1
    assert report.count(Indicator.HELP_SHOWN, "language", "fr") == 1


# ----- a group's region --------------------------------------------------------------------------


def test_a_groups_region_is_set_at_creation_or_later_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "r.db"
    monkeypatch.setenv("FOYER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")

    def regions() -> list[tuple[int, str | None]]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return conn.execute('SELECT id, region FROM "group" ORDER BY id').fetchall()

    def run(*args: str) -> tuple[int, str, str]:
        code = cli_main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("db", "upgrade")[0] == 0
    create = [*("group", "create", "--name", "Kati", "--curriculum", "men-groups-12")]
    create += [*("--timezone", "Africa/Bamako", "--meets", "thu 17:00", "--starts", "2027-01-07")]
    code, _, err = run(*create, "--region", "x" * 81)
    assert (code, "at most 80 characters" in err) == (2, True)
    assert regions() == []  # nothing created
    code, out, err = run(*create, "--region", "  Ségou ", "--json")
    assert code == 0, err
    gid = json.loads(out)["id"]
    assert regions() == [(gid, "Ségou")]
    assert run("group", "set-region", str(gid), "Kayes")[0] == 0
    assert regions() == [(gid, "Kayes")]
    assert run("group", "set-region", "99", "") == (2, "", "foyer: there is no group 99\n")


# ----- the dates of leaving, written by the real paths ------------------------------------------


async def _left_at(f: Foyer, uid: int) -> tuple[str, datetime | None]:
    (found,) = await rows(
        f,
        select(membership.c.status, membership.c.left_at)
        .join(person, person.c.id == membership.c.person_id)
        .where(person.c.telegram_id == uid),
    )
    return found[0], found[1]


async def _blocked_at(f: Foyer, uid: int) -> tuple[bool, datetime | None]:
    (found,) = await rows(
        f, select(person.c.blocked, person.c.blocked_at).where(person.c.telegram_id == uid)
    )
    return found[0], found[1]


def _between(moment: datetime | None, since: datetime, until: datetime) -> bool:
    return moment is not None and since <= moment <= until


async def test_leaving_and_blocking_are_dated_and_undated_on_return(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    fac = await make_facilitator(foyer, _gid)
    stopper, removed, blocker = [await foyer.join(code) for _ in range(3)]
    assert await _left_at(foyer, stopper) == ("active", None)
    assert await _blocked_at(foyer, blocker) == (False, None)

    # /stop, confirmed: the membership left now (by Foyer's clock).
    await foyer.advance(timedelta(hours=5))
    await foyer.settle()  # nothing else on its way to him while he answers
    since = foyer.clock.now()
    foyer.emu.send_text(stopper, "/stop")
    msg = await foyer.last_message(stopper)
    await foyer.press(stopper, msg, "Yes, stop")
    await foyer.emu.wait_for_edit(stopper, msg.message_id)
    status, left = await _left_at(foyer, stopper)
    assert status == "stopped" and _between(left, since, foyer.clock.now())

    # A facilitator removes Member 2.
    await foyer.advance(timedelta(days=1))
    since = foyer.clock.now()
    await remove(foyer, fac, "Member 2")
    status, left = await _left_at(foyer, removed)
    assert status == "removed" and _between(left, since, foyer.clock.now())

    # Telegram answers 403 "bot was blocked by the user" to the week's message.
    foyer.emu.block(blocker)
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    blocked, at_ = await _blocked_at(foyer, blocker)
    assert blocked is True and _between(at_, WEEK1, foyer.clock.now())
    assert await _left_at(foyer, blocker) == ("active", None)  # blocking is not leaving
    # Learning it again later keeps the first date.
    async with foyer.rt.engine.begin() as conn:
        await people.mark_blocked(conn, blocker, WEEK1 + timedelta(days=3))
    assert await _blocked_at(foyer, blocker) == (True, at_)

    # Coming back undoes both: writing to the bot, and re-joining with the link.
    foyer.emu.unblock(blocker)
    await foyer.settle()
    foyer.emu.send_text(blocker, "/progress")
    await foyer.last_message(blocker)
    assert await _blocked_at(foyer, blocker) == (False, None)
    await foyer.join(code, user_id=stopper)
    assert await _left_at(foyer, stopper) == ("active", None)
    await foyer.settle()  # the week's message his return sends him, before what follows
    # Pausing and resuming is taking part: no date of leaving.
    for text, button in (("/pause", "Until I send /resume"), ("/resume", None)):
        foyer.emu.send_text(stopper, text)
        msg = await foyer.last_message(stopper)
        if button:
            await foyer.press(stopper, msg, button)
            await foyer.emu.wait_for_edit(stopper, msg.message_id)
        assert (await _left_at(foyer, stopper))[1] is None
