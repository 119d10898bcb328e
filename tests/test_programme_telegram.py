"""/programme in Telegram and the monthly summary (issue 22, point 6): admins see the
programme's key numbers and a chart, focal points only help shown and concerns filed, everyone
else is refused; on the first of each month every admin and focal point receives last month's
summary once, through the outbox, in their language."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from matplotlib.image import imread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import build_application, running
from bot.delivery import programme_monthly
from bot.delivery.programme_monthly import summary_month
from bot.domain.indicators import Audience, Indicator
from bot.domain.outbox_kinds import OutboxKind
from bot.domain.suppression import SHARED, TOTAL, Grid, Tables, protect
from bot.emulator import BotAPIEmulator
from bot.i18n import use_language
from bot.infra.clock import OffsetClock
from bot.reports.programme import GroupInfo, ProgrammeReport
from bot.reports.programme_build import build
from bot.reports.programme_summary import Figures, Sees, figure, key_numbers, monthly_summary
from bot.runtime import runtime_of
from bot.settings import Settings
from bot.storage.tables import (
    checkin,
    concern,
    help_count,
    membership,
    outbox,
    person,
    session_log,
)
from tests.conftest import Foyer, make_settings
from tests.facilitator_helpers import make_facilitator

MONTHS = ("2026-11", "2026-12")


def _report(counts: dict[Indicator, dict[tuple[str, str], int]], min_count: int) -> ProgrammeReport:
    """A report as the builder would give it: each indicator's tables protected for real."""
    groups = (
        GroupInfo(1, "Kati", "ML", "Koulikoro", "tiny-4", "fr"),
        GroupInfo(2, "Ségou", "ML", "Ségou", "tiny-4", "fr"),
    )
    rows = tuple(str(g.id) for g in groups)
    tables = {
        i: protect(
            Tables(
                groups=Grid(rows, MONTHS, c),
                partitions={"region": {"1": "Koulikoro", "2": "Ségou"}},
            ),
            min_count,
        )
        for i, c in counts.items()
    }
    return ProgrammeReport(
        start=date(2026, 11, 1),
        end=date(2026, 12, 12),
        country=None,
        period_kind="month",
        periods=MONTHS,
        groups=groups,
        min_count=min_count,
        tables=tables,
    )


def _all(n1: int, n2: int, m1: int, m2: int) -> dict[tuple[str, str], int]:
    return {("1", "2026-11"): n1, ("1", "2026-12"): n2, ("2", "2026-11"): m1, ("2", "2026-12"): m2}


EVERY = {i: _all(10, 12, 20, 2000) for i in Indicator}


def test_key_numbers_show_each_month_in_the_readers_language() -> None:
    r = _report(EVERY, min_count=3)
    admin = Sees(programme=True, safeguarding=False)
    with use_language("fr"):
        text = key_numbers(Figures(r, None), admin, current="2026-12", previous="2026-11")
    assert "Décembre 2026" in text and "Novembre 2026" in text
    assert "2\u202f012" in text or "2 012" in text  # babel's French grouping
    assert "30" in text
    assert "–" not in text  # nothing hidden, so no note either
    assert "Concerns" not in text and "signalement" not in text.lower()


def test_a_hidden_count_reads_as_a_dash_with_one_line_saying_why() -> None:
    # One member reached in each group in November: the programme's November total, 2, hidden.
    counts = dict(EVERY)
    counts[Indicator.REACHED] = _all(1, 12, 1, 30)
    r = _report(counts, min_count=3)
    assert r.total(Indicator.REACHED, "2026-11") is None
    with use_language("en"):
        text = key_numbers(
            Figures(r, None), Sees(True, False), current="2026-12", previous="2026-11"
        )
    assert "Members reached by a week's message: –" in text
    assert text.count("hidden so that nobody can be singled out") == 1
    assert "<3" not in text  # a complementary hidden count may be large


def test_a_focal_points_summary_holds_only_help_and_concerns() -> None:
    r = _report(EVERY, min_count=3)
    with use_language("en"):
        text = monthly_summary(
            Figures(None, r), Sees(programme=False, safeguarding=True), "2026-11"
        )
    assert "Times the help screen was shown: 30" in text
    assert "Concerns filed: 30" in text
    for word in ("reached", "joined", "Check-ins", "Meetings", "Partners", "/programme"):
        assert word not in text


def test_the_summary_is_due_only_on_the_first_of_the_month_from_eight_utc() -> None:
    assert summary_month(datetime(2027, 1, 1, 8, 0, tzinfo=UTC)) == "2026-12"
    assert summary_month(datetime(2027, 1, 1, 23, 59, tzinfo=UTC)) == "2026-12"
    assert summary_month(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)) == "2026-02"
    assert summary_month(datetime(2027, 1, 1, 7, 59, tzinfo=UTC)) is None
    assert summary_month(datetime(2027, 1, 2, 8, 0, tzinfo=UTC)) is None
    assert summary_month(datetime(2026, 12, 31, 12, 0, tzinfo=UTC)) is None


# --- through the real application, on a seeded database ------------------------------------

ADMIN, BOTH, FOCAL, NEVER = 910_001, 910_002, 910_003, 910_004  # NEVER: an admin never seen
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


def _staff_settings(emu: BotAPIEmulator, db_url: str) -> Settings:
    return make_settings(
        emu,
        db_url,
        admin_ids=frozenset({ADMIN, BOTH, NEVER}),
        safeguarding_ids=frozenset({BOTH, FOCAL}),
    )


@pytest.fixture
async def staff(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    # They opened a chat with Foyer (NEVER did not); the admin's Telegram is in French, the
    # focal point's in Spanish, the programme's default is English.
    emu.user(ADMIN, "Awa", language_code="fr")
    emu.user(BOTH, "Kadi", language_code="en")
    emu.user(FOCAL, "Mariam", language_code="es")
    app = build_application(_staff_settings(emu, db_url), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


async def _person(conn: AsyncConnection, telegram_id: int, language: str, at: datetime) -> int:
    row = await conn.execute(
        person.insert().values(
            telegram_id=telegram_id,
            language=language,
            discreet=False,
            silent=False,
            blocked=False,
            created_at=at,
        )
    )
    assert row.inserted_primary_key is not None
    return int(row.inserted_primary_key[0])


GROUPS = ("Kati Men", "Ségou Men", "Kita Men")
JOINED = (datetime(2026, 11, 10, 9, 0, tzinfo=UTC), datetime(2026, 12, 2, 9, 0, tzinfo=UTC))


async def seed(f: Foyer) -> dict[str, int]:
    """Three groups meeting from Thursday 19 November (four weeks), three members joining each
    in November and three more in December, their weeks' messages (Fridays), every check-in
    answered Done, two meetings a month held with eight people, concerns: counted by hand in
    ``facts`` as the indicators define them (docs/indicators.md)."""
    gids = [(await f.create_group(name=n, starts=date(2026, 11, 19)))[0] for n in GROUPS]
    facts = dict.fromkeys(
        ("enrolled", "reached", "answered", "meetings", "attendance", "concerns", "help"), 0
    )
    by_month = {m: dict(facts) for m in ("2026-11", "2026-12")}
    async with f.rt.engine.begin() as conn:
        n = 0
        for gid in gids:
            for joined in JOINED:
                for _i in range(3):
                    n += 1
                    pid = await _person(conn, 80_000 + n, "fr" if n % 2 else "en", joined)
                    row = await conn.execute(
                        membership.insert().values(
                            person_id=pid,
                            group_id=gid,
                            role="member",
                            status="active",
                            progress_opt_in=True,
                            number=n,
                            joined_at=joined,
                        )
                    )
                    assert row.inserted_primary_key is not None
                    mid = int(row.inserted_primary_key[0])
                    by_month[f"{joined:%Y-%m}"]["enrolled"] += 1
                    await _weeks(conn, gid, mid, joined, by_month)
            for week in range(1, 5):
                logged = datetime(2026, 11, 19, 18, 0, tzinfo=UTC) + timedelta(weeks=week - 1)
                await conn.execute(
                    session_log.insert().values(
                        group_id=gid, week=week, held=True, attendance=8, logged_at=logged
                    )
                )
                by_month[f"{logged:%Y-%m}"]["meetings"] += 1
                by_month[f"{logged:%Y-%m}"]["attendance"] += 8
        reporter = await _person(conn, 80_999, "en", JOINED[0])
        # Three a group each month, and three from people in no group.
        concerns = [(g, at) for g in [*gids, None] for at in JOINED for _i in range(3)]
        for k, (about_group, at) in enumerate(concerns):
            await conn.execute(
                concern.insert().values(
                    reference=f"C-{k}",
                    kind="feedback",
                    about="programme",
                    anonymous=True,
                    reporter_id=reporter,
                    group_id=about_group,
                    text="seeded",
                    status="open",
                    created_at=at,
                    purge_after=at + timedelta(days=365),
                )
            )
            by_month[f"{at:%Y-%m}"]["concerns"] += 1
        for day_of in JOINED:  # the help screen, four times a group (0: no group) a month
            for group_id in [*gids, 0]:
                await conn.execute(
                    help_count.insert().values(
                        day=day_of.date(), group_id=group_id, language="en", count=4
                    )
                )
                by_month[f"{day_of:%Y-%m}"]["help"] += 4
    f.clock.set(NOW)
    return {f"{k}_{m[-2:]}": v for m, counts in by_month.items() for k, v in counts.items()}


async def _weeks(
    conn: AsyncConnection,
    gid: int,
    mid: int,
    joined: datetime,
    by_month: dict[str, dict[str, int]],
) -> None:
    """The weeks' messages a member received after joining (Fridays 09:00, Bamako is UTC),
    each answered Done the next day."""
    reached: set[str] = set()
    for week in range(1, 5):
        sent = datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(weeks=week - 1)
        if sent < joined:
            continue
        await conn.execute(
            outbox.insert().values(
                key=f"g{gid}:w{week}:prompt:m{mid}",
                chat_id=1,
                membership_id=mid,
                group_id=gid,
                kind="prompt",
                week=week,
                due_at=sent,
                sent_at=sent,
                status="sent",
                attempts=1,
            )
        )
        answered = sent + timedelta(days=1)
        await conn.execute(
            checkin.insert().values(
                membership_id=mid, week=week, value="done", answered_at=answered
            )
        )
        reached.add(f"{sent:%Y-%m}")
        by_month[f"{answered:%Y-%m}"]["answered"] += 1
    for month in reached:  # a person, once a month
        by_month[month]["reached"] += 1


async def _built(f: Foyer, audience: Audience) -> ProgrammeReport:
    """The builder's own figures for what /programme shows (its counts are checked against
    hand counts in tests/test_indicators.py; here, that the message shows exactly them)."""
    return await build(
        f.rt.engine,
        f.rt.curricula,
        start=date(2026, 7, 1),
        end=NOW.date(),
        country=None,
        period_kind="month",
        min_count=f.rt.settings.min_count,
        audience=audience,
    )


async def _programme(f: Foyer, uid: int) -> tuple[str, Any]:
    """/programme as the person sends it: the acknowledgement, the figures, the chart."""
    f.emu.send_text(uid, "/programme")
    await f.last_message(uid)  # "Counting across every group..."
    text = (await f.last_message(uid, timeout=30)).text
    chart = await f.last_message(uid, timeout=30)
    return text, chart


# The figures of a month's block, line by line, as /programme lists them.
FIGURE_LINES = [
    [Indicator.ENROLLED],
    [Indicator.REACHED],
    [Indicator.RETAINED],
    [Indicator.CHECKIN_ANSWERED],
    [Indicator.CHECKIN_DONE, Indicator.CHECKIN_PARTLY, Indicator.CHECKIN_NOTYET],
    [Indicator.MEETINGS_HELD],
    [Indicator.ATTENDANCE],
    [Indicator.PARTNERS],
]


async def test_an_admin_sees_the_key_numbers_and_a_chart(staff: Foyer) -> None:
    f = staff
    facts = await seed(f)
    text, chart = await _programme(f, ADMIN)
    # In the admin's language (Telegram's French: no row of theirs yet), months by babel.
    assert "Décembre 2026" in text and "Novembre 2026" in text
    r = await _built(f, "programme")
    hand = {
        Indicator.ENROLLED: "enrolled",
        Indicator.REACHED: "reached",
        Indicator.CHECKIN_ANSWERED: "answered",
        Indicator.CHECKIN_DONE: "answered",  # every answer was Done
        Indicator.MEETINGS_HELD: "meetings",
        Indicator.ATTENDANCE: "attendance",
    }
    _title, dec, nov, why = text.split("\n\n")
    for block, month in ((dec, "12"), (nov, "11")):
        for indicator, fact in hand.items():
            # What the builder shows is the hand count, or hidden.
            shown = r.total(indicator, f"2026-{month}")
            assert shown in (None, facts[f"{fact}_{month}"]), (indicator, month, shown)
        # Each figure of the message is the report's, in the list's order, "–" where hidden;
        # nothing about help or concerns for an admin who is not a focal point.
        lines = block.splitlines()[1:]
        assert [re.findall(r"–|\d+", line) for line in lines] == [
            [figure(r.total(i, f"2026-{month}")) for i in row] for row in FIGURE_LINES
        ]
    assert "–" in why and "3" in why  # the one line saying why, with the threshold
    # Figures shown and figures hidden, both, on this database.
    assert r.total(Indicator.ENROLLED, "2026-12") == facts["enrolled_12"] == 9
    assert r.total(Indicator.REACHED, "2026-12") == facts["reached_12"] == 18
    assert r.total(Indicator.MEETINGS_HELD, "2026-11") == facts["meetings_11"] == 6
    # No group has a couples track: no partner can join, a zero known to all, shown.
    assert r.total(Indicator.PARTNERS, "2026-12") == 0
    assert (SHARED, TOTAL, "2026-12") in r.tables[Indicator.PARTNERS].not_applicable
    assert r.total(Indicator.CHECKIN_PARTLY, "2026-11") is None  # none were Partly
    assert chart.kind == "photo" and chart.file.data[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(io.BytesIO(chart.file.data), format="png")
    assert image.shape[0] > 100 and image.shape[1] > 100


async def test_facilitators_members_and_strangers_are_refused_and_nothing_is_built(
    staff: Foyer,
) -> None:
    f = staff
    gid, code = await f.create_group()
    fac = await make_facilitator(f, gid)
    member = await f.join(code)
    stranger = f.new_user()
    for uid in (fac, member, stranger):
        f.emu.send_text(uid, "/programme")
        answer = await f.last_message(uid)
        assert answer.text == "Sorry, this is only for the group's facilitators."
    await asyncio.sleep(0.2)  # nothing more follows: no figures, no chart
    for uid in (fac, member, stranger):
        assert f.emu.messages(uid)[-1].text == "Sorry, this is only for the group's facilitators."
    assert not f.app.bot_data.get("foyer.programme_building")


async def test_a_focal_point_sees_only_help_and_concerns(staff: Foyer) -> None:
    f = staff
    facts = await seed(f)
    text, chart = await _programme(f, FOCAL)
    r = await _built(f, "safeguarding")
    assert r.total(Indicator.CONCERNS, "2026-12") == facts["concerns_12"] == 12  # by hand
    assert r.total(Indicator.HELP_SHOWN, "2026-12") == facts["help_12"] == 16
    assert r.total(Indicator.CONCERNS, "2026-11") in (None, facts["concerns_11"])
    assert "Diciembre 2026" in text and "Noviembre 2026" in text  # Spanish, by babel
    # Two counts a month (help shown, concerns filed), never the programme's other figures.
    _title, dec, nov, *_why = text.split("\n\n")
    for block, month in ((dec, "2026-12"), (nov, "2026-11")):
        assert [re.findall(r"–|\d+", line) for line in block.splitlines()[1:]] == [
            [figure(r.total(Indicator.HELP_SHOWN, month))],
            [figure(r.total(Indicator.CONCERNS, month))],
        ]
    assert chart.kind == "photo"
    # An admin who is also a focal point sees both, the programme's figures first: exactly
    # what an admin sees (the programme's report), then the focal point's counts.
    both, _chart = await _programme(f, BOTH)
    figures = Figures(await _built(f, "programme"), r)
    _title, dec, *_rest = both.split("\n\n")
    assert [re.findall(r"–|\d+", line) for line in dec.splitlines()[1:]] == [
        [figure(figures.total(i, "2026-12")) for i in row]
        for row in [*FIGURE_LINES, [Indicator.HELP_SHOWN], [Indicator.CONCERNS]]
    ]
    admin, _chart = await _programme(f, ADMIN)
    admin_dec = admin.split("\n\n")[1].splitlines()[1:]
    assert [re.findall(r"–|\d+", line) for line in admin_dec] == [
        re.findall(r"–|\d+", line) for line in dec.splitlines()[1 : 1 + len(FIGURE_LINES)]
    ]


async def test_a_second_programme_while_the_first_is_built_is_told_it_is_on_its_way(
    staff: Foyer,
) -> None:
    f = staff
    await seed(f)
    # The chart's upload is slow: the first /programme is still under way meanwhile.
    f.emu.inject(method="sendPhoto", delay=3.0, times=1, chat_id=ADMIN)
    f.emu.send_text(ADMIN, "/programme")
    await f.last_message(ADMIN)  # counting...
    await f.last_message(ADMIN, timeout=30)  # the figures; the chart is on its way
    f.emu.send_text(ADMIN, "/programme")
    again = await f.last_message(ADMIN)
    assert again.kind == "text"
    chart = await f.last_message(ADMIN, timeout=10)
    assert chart.kind == "photo"
    # Only one chart came: the second command built nothing.
    await asyncio.sleep(0.3)
    assert [m.kind for m in f.emu.messages(ADMIN)].count("photo") == 1
    assert again.text != f.emu.messages(ADMIN)[0].text  # not the "counting" answer
    # Once it arrived, /programme works again.
    text, chart = await _programme(f, ADMIN)
    assert "2026" in text and chart.kind == "photo"


# --- the monthly summary ----------------------------------------------------------------------


async def _summaries(f: Foyer) -> list[tuple[str, int, str]]:
    async with f.rt.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.key, outbox.c.chat_id, outbox.c.status)
            .where(outbox.c.kind == OutboxKind.PROGRAMME_SUMMARY)
            .order_by(outbox.c.key)
        )
        return [(str(k), int(c), str(s)) for k, c, s in rows.all()]


async def test_the_monthly_summary_is_written_once_on_the_first_and_sent_in_each_language(
    staff: Foyer, emu: BotAPIEmulator, db_url: str
) -> None:
    f = staff
    await seed(f)
    for uid in (ADMIN, BOTH, FOCAL):  # they opened Foyer once; NEVER did not
        f.emu.send_text(uid, "/start")
        await f.last_message(uid)
    async with f.rt.engine.begin() as conn:  # the admin chose Spanish in Foyer (Telegram: fr)
        await _person(conn, ADMIN, "es", JOINED[0])
    # Every other day of December and the first before 08:00 UTC: nothing.
    late_december = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    early_first = datetime(2027, 1, 1, 7, 0, tzinfo=UTC)
    for moment in (NOW, late_december, early_first):
        f.clock.set(moment)
        assert await programme_monthly.write_due(f.rt) == 0
    assert await _summaries(f) == []
    f.clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    assert await programme_monthly.write_due(f.rt) == 4  # three admins and one focal point
    # A second hour of the same day, and a second worker on the same database: nothing more.
    assert await programme_monthly.write_due(f.rt) == 0
    # (Its job, on its own Runtime and engine: not polling, which would take this test's
    # updates from the first.)
    second = runtime_of(build_application(_staff_settings(emu, db_url), clock=f.clock))
    try:
        assert await programme_monthly.write_due(second) == 0
    finally:
        await second.engine.dispose()
    # Each in their language as Foyer knows it when the message goes out (the outbox row holds
    # none: the sender reads the person's).
    await f.settle(timeout=30)
    admin = await f.last_message(ADMIN)
    assert "Diciembre 2026" in admin.text
    assert "Concerns" not in admin.text
    focal = await f.last_message(FOCAL)
    # Foyer has no row of the focal point's (a /start alone stores nothing): the default.
    assert "December 2026" in focal.text
    both = await f.last_message(BOTH)
    assert "December 2026" in both.text and "Concerns filed" in both.text
    assert "Members reached by a week's message" in both.text
    assert "Members reached" not in focal.text
    # The admin who never opened Foyer: that send failed as for any chat Foyer cannot write
    # to, and nobody else's was held up by it.
    assert [(k, c, s) for k, c, s in await _summaries(f)] == [
        (f"programme:2026-12:p{ADMIN}", ADMIN, "sent"),
        (f"programme:2026-12:p{BOTH}", BOTH, "sent"),
        (f"programme:2026-12:p{FOCAL}", FOCAL, "sent"),
        (f"programme:2026-12:p{NEVER}", NEVER, "failed"),
    ]
    # The next day: nothing.
    f.clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=UTC))
    assert await programme_monthly.write_due(f.rt) == 0
