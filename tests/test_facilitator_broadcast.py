"""/broadcast and /remind: preview, confirm or cancel, the outbox, and the summary back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator, Message
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage.tables import broadcast, outbox
from tests.conftest import Foyer, make_settings
from tests.facilitator_helpers import count, make_facilitator, rows, tap


async def _draft_voice(f: Foyer, fac: int) -> Message:
    f.emu.send_text(fac, "/broadcast")
    assert "a voice note" in (await f.last_message(fac)).text
    voice = f.emu.send_voice(fac, duration=12)
    preview = await f.last_message(fac)
    assert voice.file is not None
    assert preview.kind == "voice" and preview.file.file_id == voice.file.file_id
    return await f.last_message(fac)


async def test_voice_broadcast_reaches_every_member_once_with_a_summary(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    members = [await foyer.join(code) for _ in range(3)]
    fac = await make_facilitator(foyer, gid)
    foyer.emu.block(members[2])  # one member blocked Foyer meanwhile
    question = await _draft_voice(foyer, fac)
    assert "Send it to the 3 members of" in (question.text or "")
    assert await count(foyer, outbox, outbox.c.kind == "broadcast") == 0  # nothing before yes

    await tap(foyer, fac, question, "Send")
    assert await count(foyer, outbox, outbox.c.kind == "broadcast") == 3
    await foyer.settle()
    for uid in members[:2]:
        got = [m for m in foyer.emu.messages(uid) if m.kind == "voice"]
        assert len(got) == 1 and got[0].caption == "Message from your facilitator"
    # A second tap on Send (or a forged one) sends nothing more.
    (bid,) = (await rows(foyer, select(broadcast.c.id)))[0]
    qid = foyer.emu.press_button(fac, question.message_id, f"bc:{bid}:y")
    assert "no longer works" in (await foyer.emu.wait_for_callback_answer(qid))["text"]
    await foyer.tick()
    summary = await foyer.emu.wait_for_message(fac, lambda m: "has gone out" in (m.text or ""))
    assert summary.text is not None
    # Counts of people below FOYER_MIN_COUNT (3) are hidden, as in reports: "1" names someone.
    assert "Members reached: <3" in summary.text and "Blocked Foyer: <3" in summary.text
    assert "Could not be delivered: <3" in summary.text and "1" not in summary.text
    assert "A count under 3 shows as <3" in summary.text
    await foyer.tick()
    await foyer.settle()
    assert len([m for m in foyer.emu.messages(fac) if "has gone out" in (m.text or "")]) == 1
    assert await count(foyer, outbox, outbox.c.kind == "broadcast") == 3


async def test_voice_broadcast_across_a_restart_sends_nothing_twice(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    app = build_application(make_settings(emu, db_url), clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        gid, code = await f.create_group()
        members = [await f.join(code) for _ in range(3)]
        fac = await make_facilitator(f, gid)
        question = await _draft_voice(f, fac)
        # Telegram fails the first sends: the rows are still pending when Foyer stops.
        emu.inject("sendVoice", 502, times=2)
        await tap(f, fac, question, "Send")
        await emu.wait_until(lambda: len(emu.calls("sendVoice")) >= 2, what="two failed sends")
    delivered = sum(len([m for m in emu.messages(u) if m.kind == "voice"]) for u in members)
    assert delivered < 3
    app2 = build_application(make_settings(emu, db_url), clock=clock)
    async with running(app2, poll_timeout=1):
        f2 = Foyer(app=app2, rt=runtime_of(app2), emu=emu, clock=clock)
        await f2.settle_after(timedelta(minutes=5))  # past the retry backoff
        for uid in members:
            assert len([m for m in emu.messages(uid) if m.kind == "voice"]) == 1
        await f2.tick()
        summary = await emu.wait_for_message(fac, lambda m: "has gone out" in (m.text or ""))
        assert "Members reached: 3" in (summary.text or "")


async def test_cancel_sends_nothing_and_text_is_escaped(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    foyer.emu.send_text(fac, "/broadcast")
    await foyer.last_message(fac)
    foyer.emu.send_text(fac, "Meeting <moved> to the mosque & school")
    preview = await foyer.last_message(fac)
    assert preview.text.endswith("Meeting <moved> to the mosque & school")
    question = await foyer.last_message(fac)
    done = await tap(foyer, fac, question, "Cancel")
    assert "Nothing was sent" in done.text
    assert await count(foyer, broadcast) == 0
    await foyer.tick()
    await foyer.settle()
    assert not any("mosque" in (m.text or "") for m in foyer.emu.messages(member))


async def test_remind_at_a_chosen_time(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    foyer.emu.send_text(fac, "/remind")
    when = await foyer.last_message(fac)
    await foyer.press(fac, when, "Tomorrow at 08:00")
    preview = await foyer.last_message(fac)
    assert preview.text.startswith("Reminder from your facilitator: our group meets on Thursday")
    question = await foyer.last_message(fac)
    await tap(foyer, fac, question, "Send")
    due = await rows(foyer, select(outbox.c.due_at).where(outbox.c.kind == "remind"))
    assert due == [(datetime(2026, 12, 2, 8, 0, tzinfo=UTC),)]
    await foyer.settle()
    assert not any("Reminder from" in (m.text or "") for m in foyer.emu.messages(member))
    await foyer.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    await foyer.settle()
    assert [m.text for m in foyer.emu.messages(member) if "Reminder from" in (m.text or "")] == [
        preview.text
    ]


async def test_remind_at_a_typed_time_in_the_groups_timezone(foyer: Foyer) -> None:
    # Managua is UTC-6: now (Tue 08:00 UTC) is Tuesday 02:00 there; the meeting is Thursday
    # 17:00 there, 23:00 UTC.
    gid, code = await foyer.create_group(timezone="America/Managua")
    await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    foyer.emu.send_text(fac, "/remind")
    ask = await foyer.last_message(fac)
    assert "type a time like 18:30" in ask.text and "America/Managua" in ask.text
    foyer.emu.send_text(fac, "soonish")
    assert "did not understand" in (await foyer.last_message(fac)).text
    foyer.emu.send_text(fac, "fri 9:00")
    assert "is after the next meeting" in (await foyer.last_message(fac)).text
    foyer.emu.send_text(fac, "today 1:00")
    assert "is past" in (await foyer.last_message(fac)).text
    assert await count(foyer, broadcast) == 0  # nothing drafted by a wrong time
    foyer.emu.send_text(fac, "tomorrow 18h30")
    await foyer.last_message(fac)  # the preview of the reminder
    question = await foyer.last_message(fac)
    assert "It will go out on Wednesday, December 2" in question.text
    assert "18:30" in question.text  # the group's local time, not 00:30 UTC
    await tap(foyer, fac, question, "Send")
    due = await rows(foyer, select(outbox.c.due_at).where(outbox.c.kind == "remind"))
    assert due == [(datetime(2026, 12, 3, 0, 30, tzinfo=UTC),)]
    # A tapped choice ends the wait for a typed time: the next text is not taken as one.
    foyer.emu.send_text(fac, "/remind")
    ask = await foyer.last_message(fac)
    await foyer.press(fac, ask, "In one hour")
    await foyer.last_message(fac)
    await foyer.last_message(fac)
    foyer.emu.send_text(fac, "18:30")
    assert "did not understand" not in (await foyer.last_message(fac)).text


@pytest.mark.parametrize(
    ("lang", "typed", "local"),
    [
        ("en", "18:30", "2026-12-07 18:30"),
        ("en", "6:30 pm", "2026-12-07 18:30"),
        ("en", "tomorrow 9:00", "2026-12-08 09:00"),
        ("en", "10:00", "2026-12-08 10:00"),  # past today: tomorrow
        ("en", "thu 17:00", "2026-12-10 17:00"),
        ("fr", "demain 9h", "2026-12-08 09:00"),
        ("fr", "demain à 9h30", "2026-12-08 09:30"),
        ("fr", "jeudi 18h", "2026-12-10 18:00"),
        ("es", "mañana a las 9:00", "2026-12-08 09:00"),
        ("es", "jueves 18.00", "2026-12-10 18:00"),
        ("bm", "sini 9:00", "2026-12-08 09:00"),
        ("en", "someday", None),
        ("en", "25:00", None),
        ("en", "13 pm", None),
    ],
)
def test_typed_moments_in_each_language(lang: str, typed: str, local: str | None) -> None:
    from zoneinfo import ZoneInfo

    from bot.domain.typed_time import parse_moment

    now = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)  # Monday 12:00 in Managua
    got = parse_moment(typed, now, "America/Managua", lang)
    tz = ZoneInfo("America/Managua")
    assert (got.astimezone(tz).strftime("%Y-%m-%d %H:%M") if got else None) == local
