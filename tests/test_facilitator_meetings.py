"""Around each meeting, through planner, outbox and sender: the discussion guide to each
facilitator, reminders to members, and the session log question afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bot.services import group_admin
from bot.storage.tables import outbox, session_log
from tests.conftest import Foyer, msg_buttons
from tests.facilitator_helpers import make_facilitator, rows, tap

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
    assert await group_admin.toggle(foyer.rt, fac, gid, "reminder_24h") is False
    assert await group_admin.toggle(foyer.rt, fac, gid, "reminder_1h") is False
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
    assert await group_admin.set_paused(foyer.rt, fac, gid, True)
    await foyer.advance_to(datetime(2026, 12, 12, 12, 0, tzinfo=UTC))  # week 1 and 2 would be due
    await foyer.settle()
    last = foyer.emu.messages(member)[-1]
    assert (last.text or "").startswith("Welcome")  # nothing since joining
    assert await group_admin.set_paused(foyer.rt, fac, gid, False)
    o = await group_admin.overview(foyer.rt, fac, gid)
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
    assert "12 came" in (await foyer.last_message(fac)).text
    logged = await rows(
        foyer, select(session_log.c.week, session_log.c.held, session_log.c.attendance)
    )
    assert logged == [(1, True, 12)]
    # A button count corrects it; a "No" for a week not yet met is refused and changes nothing.
    await foyer.press(fac, counts, "7")
    await foyer.emu.wait_for_edit(fac, counts.message_id)
    logged = await rows(
        foyer, select(session_log.c.week, session_log.c.held, session_log.c.attendance)
    )
    assert logged == [(1, True, 7)]
    qid = foyer.emu.press_button(fac, ask.message_id, f"sl:{gid}:2:n")
    answer = await foyer.emu.wait_for_callback_answer(qid)
    assert "only for" in answer["text"]
    assert len(await rows(foyer, select(session_log.c.id))) == 1


async def test_guide_follows_a_postponement(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group(starts=THU, meet=(3, time(17, 0)))
    fac = await make_facilitator(foyer, gid)
    result = await group_admin.postpone(foyer.rt, fac, gid)
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
    assert await group_admin.toggle(foyer.rt, fac, gid, "weekly_summary") is True
    await foyer.advance_to(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))  # week 2's summary
    await foyer.settle()
    (summary,) = texts(foyer, member, "How our group did")
    assert "Week 2" in summary and "Members reached: <3" in summary
    assert "Check-ins: Done <3 · Partly <3 · Not yet <3" in summary
