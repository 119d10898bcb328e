"""Around each meeting, through planner, outbox and sender: the discussion guide to each
facilitator, reminders to members, and the session log question afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.services import group_admin
from bot.services.session_log import unusual_attendance
from bot.storage.tables import outbox, session_log
from tests.conftest import Foyer, msg_buttons
from tests.facilitator_helpers import group_of, make_facilitator, rows, tap

THU = date(2026, 12, 3)


def texts(f: Foyer, uid: int, start: str) -> list[str]:
    return [m.text for m in f.emu.messages(uid) if m.text and m.text.startswith(start)]


async def test_guide_arrives_24h_before_the_meeting_in_each_timezone(foyer: Foyer) -> None:
    # Thursday 17:00 local in three timezones: 17:00, 15:00 and 23:00 UTC.
    zones = {"Africa/Bamako": 17, "Africa/Kigali": 15, "America/Managua": 23}
    ids = {}
    for tz in zones:
        ids[tz], _ = await foyer.create_group(name=f"G {tz}", timezone=tz)
    fac = await make_facilitator(foyer, ids["Africa/Bamako"])
    cofac = await make_facilitator(foyer, ids["Africa/Bamako"])
    for tz in ("Africa/Kigali", "America/Managua"):
        await make_facilitator(foyer, ids[tz], uid=fac)
    for tz, hour in sorted(zones.items(), key=lambda kv: kv[1]):
        guide_at = datetime(2026, 12, 2, hour, 0, tzinfo=UTC)  # Wednesday, 24 h before
        before = len(texts(foyer, fac, "Discussion guide"))
        await foyer.advance_to(guide_at - timedelta(minutes=1))
        await foyer.settle()
        assert len(texts(foyer, fac, "Discussion guide")) == before, tz
        await foyer.advance_to(guide_at)
        await foyer.settle()
        guides = texts(foyer, fac, "Discussion guide")
        assert len(guides) == before + 1, tz
        guide = guides[-1]
        assert f"G {tz}" in guide and "Thursday, December 3, 17:00" in guide
        assert "Q1 of 1?" in guide and "1. Step one" in guide and "Take home 1" in guide
    assert len(texts(foyer, cofac, "Discussion guide")) == 1  # co-facilitator, own group only
    # Ticking again sends nothing twice.
    await foyer.tick()
    await foyer.settle()
    assert len(texts(foyer, fac, "Discussion guide")) == 3


async def test_reminders_to_members_and_each_can_be_turned_off(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    # Without a facilitator Foyer does not remind anyone of a meeting nobody runs.
    await foyer.advance_to(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    await foyer.settle()
    assert texts(foyer, member, "Reminder") == []
    fac = await make_facilitator(foyer, gid)
    await foyer.advance_to(datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    await foyer.settle()
    assert texts(foyer, member, "Reminder") == [
        "Reminder: your group meets in one hour, Thursday, December 3, 17:00."
    ]
    # Turn both reminders off for the group: week 2 brings none.
    assert (
        await group_admin.toggle(foyer.rt, await group_of(foyer, fac, gid), "reminder_24h") is False
    )
    assert (
        await group_admin.toggle(foyer.rt, await group_of(foyer, fac, gid), "reminder_1h") is False
    )
    await foyer.advance_to(datetime(2026, 12, 10, 16, 30, tzinfo=UTC))
    await foyer.settle()
    assert len(texts(foyer, member, "Reminder")) == 1
    got = await rows(
        foyer, select(outbox.c.kind).where(outbox.c.week == 2, outbox.c.kind.like("reminder%"))
    )
    assert got == []


async def test_paused_group_gets_nothing_and_resumes_where_it_stopped(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    assert await group_admin.set_paused(foyer.rt, await group_of(foyer, fac, gid), True)
    await foyer.advance_to(datetime(2026, 12, 12, 12, 0, tzinfo=UTC))  # week 1 and 2 would be due
    await foyer.settle()
    last = foyer.emu.messages(member)[-1]
    assert (last.text or "").startswith("Welcome")  # nothing since joining
    assert await group_admin.set_paused(foyer.rt, await group_of(foyer, fac, gid), False)
    o = await group_admin.overview_of(foyer.rt, await group_of(foyer, fac, gid))
    assert o is not None and o.next_meeting_week == 1
    assert o.next_meeting == datetime(2026, 12, 17, 17, 0, tzinfo=UTC)  # two weeks on


async def test_session_log_after_the_meeting(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    fac = await make_facilitator(foyer, gid)
    await foyer.advance_to(datetime(2026, 12, 3, 19, 0, tzinfo=UTC))  # meeting + 2 h
    ask = await foyer.emu.wait_for_message(
        fac, lambda m: "did the session take place" in (m.text or "")
    )
    assert [b[0] for b in msg_buttons(ask)[0]] == ["Yes", "No"]
    counts = await tap(foyer, fac, ask, "Yes")
    assert "How many members came" in counts.text
    foyer.emu.send_text(fac, "twelve")
    assert "Please send a number" in (await foyer.last_message(fac)).text
    foyer.emu.send_text(fac, "12")
    check = await foyer.last_message(fac)  # nobody joined on Foyer yet: asked to confirm
    assert "has 0 members on Foyer. Is that right?" in check.text
    assert "12 came" in (await tap(foyer, fac, check, "Yes, 12 came")).text
    logged = await rows(
        foyer, select(session_log.c.week, session_log.c.held, session_log.c.attendance)
    )
    assert logged == [(1, True, 12)]
    # A button count corrects it; a "No" for a week not yet met is refused and changes nothing.
    check = await tap(foyer, fac, counts, "7")
    await tap(foyer, fac, check, "Yes, 7 came")
    logged = await rows(
        foyer, select(session_log.c.week, session_log.c.held, session_log.c.attendance)
    )
    assert logged == [(1, True, 7)]
    qid = foyer.emu.press_button(fac, ask.message_id, f"sl:{gid}:2:n")
    answer = await foyer.emu.wait_for_callback_answer(qid)
    assert "only for" in answer["text"]
    assert len(await rows(foyer, select(session_log.c.id))) == 1


async def test_an_unusual_attendance_is_accepted_once_confirmed(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    await foyer.join(code)  # one member
    fac = await make_facilitator(foyer, gid)
    await foyer.advance_to(datetime(2026, 12, 3, 19, 0, tzinfo=UTC))
    ask = await foyer.emu.wait_for_message(
        fac, lambda m: "did the session take place" in (m.text or "")
    )
    counts = await tap(foyer, fac, ask, "Yes")
    attendance = select(session_log.c.attendance)
    # 25 for a one-member group: asked, not recorded yet.
    foyer.emu.send_text(fac, "25")
    check = await foyer.last_message(fac)
    assert "You said 25 people came, and the group has 1 member on Foyer." in check.text
    assert await rows(foyer, attendance) == [(None,)]
    # No: the count question again; 2 (twice the membership) is taken at once.
    again = await tap(foyer, fac, check, "No, change the number")
    assert "How many members came" in again.text
    foyer.emu.send_text(fac, "2")
    assert "2 came" in (await foyer.last_message(fac)).text
    assert await rows(foyer, attendance) == [(2,)]
    # A tapped 3 is checked too; once confirmed it is kept (men without phones come too).
    check = await tap(foyer, fac, counts, "3")
    assert "Is that right?" in check.text and await rows(foyer, attendance) == [(2,)]
    assert "3 came" in (await tap(foyer, fac, check, "Yes, 3 came")).text
    assert await rows(foyer, attendance) == [(3,)]
    # Above 60 is asked whatever the membership.
    assert unusual_attendance(61, 100) and not unusual_attendance(60, 30)


async def test_facilitators_choose_the_guides_lead_time_from_the_schedule(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    fac = await make_facilitator(foyer, gid)
    foyer.emu.send_text(fac, "/groups")
    groups_list = await foyer.last_message(fac)
    menu = await tap(foyer, fac, groups_list, "Kati Men")
    sched = await tap(foyer, fac, menu, "Schedule and reminders")
    assert "Discussion guide: 24 h before the meeting" in sched.text
    assert "✓ Guide 24 h before" in [b[0] for row in msg_buttons(sched) for b in row]
    sched = await tap(foyer, fac, sched, "Guide 48 h before")
    assert "Discussion guide: 48 h before the meeting" in sched.text
    # A lead time no button offers is refused like a forged button, and changes nothing.
    qid = foyer.emu.press_button(fac, sched.message_id, f"fg:{gid}:gh:30")
    assert "no longer works" in (await foyer.emu.wait_for_callback_answer(qid))["text"]
    # The guide now comes on Tuesday 17:00 UTC, 48 h before Thursday's meeting in Bamako.
    await foyer.advance_to(datetime(2026, 12, 1, 16, 59, tzinfo=UTC))
    await foyer.settle()
    assert texts(foyer, fac, "Discussion guide") == []
    await foyer.advance_to(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
    await foyer.settle()
    assert len(texts(foyer, fac, "Discussion guide")) == 1


def test_guide_hours_in_a_groups_setup() -> None:
    from bot.domain.curricula import Curricula
    from bot.services.group_setup import parse_spec
    from tests.conftest import TEST_CURRICULA

    raw: dict[str, str | None] = {
        "name": "Kati Men", "curriculum": "tiny-4", "timezone": "Africa/Bamako",
        "meets": "thu 17:00", "starts": "2026-12-03",
    }  # fmt: skip
    cur = Curricula(TEST_CURRICULA)
    assert parse_spec(raw, cur, THU).guide_hours == 24
    assert parse_spec({**raw, "guide_hours": "2"}, cur, THU).guide_hours == 2
    with pytest.raises(ValueError, match="guide_hours"):
        parse_spec({**raw, "guide_hours": "100"}, cur, THU)


async def test_guide_follows_a_postponement(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group(starts=THU, meet=(3, time(17, 0)))
    fac = await make_facilitator(foyer, gid)
    result = await group_admin.postpone(foyer.rt, await group_of(foyer, fac, gid))
    assert result and not isinstance(result, bool)
    assert result.week == 1 and result.meeting == datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    await foyer.advance_to(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    await foyer.settle()
    assert texts(foyer, fac, "Discussion guide") == []
    await foyer.advance_to(datetime(2026, 12, 9, 17, 0, tzinfo=UTC))
    await foyer.settle()
    assert "Thursday, December 10" in texts(foyer, fac, "Discussion guide")[0]


async def test_weekly_summary_when_the_group_turns_it_on(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    await foyer.advance_to(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))  # week 1 check-in + 1 day
    await foyer.settle()
    assert texts(foyer, member, "How our group did") == []  # off by default
    assert (
        await group_admin.toggle(foyer.rt, await group_of(foyer, fac, gid), "weekly_summary")
        is True
    )
    await foyer.advance_to(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))  # week 2's summary
    await foyer.settle()
    (summary,) = texts(foyer, member, "How our group did")
    assert "Week 2" in summary and "Members reached: <3" in summary
    assert "Check-ins: Done <3 · Partly <3 · Not yet <3" in summary
