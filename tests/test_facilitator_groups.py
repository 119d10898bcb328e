"""/groups and each group's menu, tapped as a facilitator would; group chat linking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.domain.buttons.group_actions import AskRegion
from bot.storage.tables import group, invite, membership, outbox
from tests.conftest import Foyer
from tests.facilitator_helpers import count, labels, make_facilitator, rows, tap


async def _menu(f: Foyer, uid: int) -> Any:
    f.emu.send_text(uid, "/groups")
    listing = await f.last_message(uid)
    return await tap(f, uid, listing, "Kati Men")


async def test_groups_lists_next_meeting_and_delivery_in_local_time(foyer: Foyer) -> None:
    gid, code = await foyer.create_group(timezone="America/Managua")
    await foyer.join(code)
    uid = await make_facilitator(foyer, gid)
    foyer.emu.send_text(uid, "/groups")
    text = (await foyer.last_message(uid)).text
    assert "Kati Men" in text and "1 member" in text
    assert "Next meeting (week 1): Thursday, December 3, 17:00" in text
    assert "Next weekly message: Friday, December 4, 09:00" in text


async def test_invite_link_show_renew_and_stop(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    uid = await make_facilitator(foyer, gid)
    menu = await _menu(foyer, uid)
    shown = await tap(foyer, uid, menu, "Invite link")
    assert f"start={code}" in shown.text
    ask = await tap(foyer, uid, shown, "Make a new link")
    renewed = await tap(foyer, uid, ask, "Yes")
    new_code = renewed.text.rsplit("start=", 1)[1].strip()
    assert new_code != code
    joiner = foyer.new_user()
    foyer.emu.send_text(joiner, f"/start {code}")
    assert "does not work any more" in (await foyer.last_message(joiner)).text
    menu = await tap(foyer, uid, renewed, "Back")
    shown = await tap(foyer, uid, menu, "Invite link")
    ask = await tap(foyer, uid, shown, "Stop the link")
    await tap(foyer, uid, ask, "Yes")
    usable = await rows(
        foyer, select(invite.c.code).where(invite.c.kind == "member", invite.c.revoked_at.is_(None))
    )
    assert usable == []


async def test_postpone_pause_resume_by_buttons(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    uid = await make_facilitator(foyer, gid)
    menu = await _menu(foyer, uid)
    ask = await tap(foyer, uid, menu, "Postpone one week")
    done = await tap(foyer, uid, ask, "Yes")
    assert "week 1 is now on Thursday, December 10" in done.text
    assert await rows(foyer, select(group.c.postponed_weeks)) == [("1",)]
    menu = await tap(foyer, uid, done, "Back")
    ask = await tap(foyer, uid, menu, "Pause the group")
    paused = await tap(foyer, uid, ask, "Yes")
    assert "Paused" in paused.text and "Resume the group" in labels(paused)
    resumed = await tap(foyer, uid, paused, "Resume the group")
    assert "Pause the group" in labels(resumed)
    assert await rows(foyer, select(group.c.paused)) == [(False,)]


async def test_members_listed_by_chosen_name_and_removal(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    named = await foyer.join(code, show_name=True)
    hidden = await foyer.join(code, show_name=False)
    uid = await make_facilitator(foyer, gid)
    menu = await _menu(foyer, uid)
    listing = await tap(foyer, uid, menu, "Members")
    assert "Amadou" in listing.text and "Member 2" in listing.text
    ask = await tap(foyer, uid, listing, "Remove Member 2")
    assert "neutral message" in ask.text
    done = await tap(foyer, uid, ask, "Yes")
    assert "Member 2 has been removed" in done.text
    await foyer.settle()
    last = foyer.emu.messages(hidden)[-1].text
    assert last is not None
    assert last.startswith("You are no longer part of this group")
    assert "Kati" not in last
    statuses = await rows(foyer, select(membership.c.status).order_by(membership.c.number))
    assert statuses == [("active",), ("removed",)]
    # Week 1 reaches only the member still in the group.
    await foyer.advance_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    await foyer.settle()
    got = await rows(foyer, select(outbox.c.chat_id).where(outbox.c.kind == "prompt"))
    assert got == [(named,)]


async def test_schedule_edit_and_reminder_toggles(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    uid = await make_facilitator(foyer, gid)
    menu = await _menu(foyer, uid)
    sched = await tap(foyer, uid, menu, "Schedule and reminders")
    assert "Meeting: every Thursday at 17:00" in sched.text
    assert "Reminder 24 h before: on" in sched.text
    sched = await tap(foyer, uid, sched, "Reminder 24 h: turn off")
    assert "Reminder 24 h before: off" in sched.text
    await tap(foyer, uid, sched, "Change the meeting time")
    foyer.emu.send_text(uid, "someday")
    assert "did not understand" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "sat 10:00")
    assert "schedule is changed" in (await foyer.last_message(uid)).text
    got = await rows(
        foyer,
        select(group.c.meet_weekday, group.c.meet_time, group.c.starts_on, group.c.reminder_24h),
    )
    assert [(r[0], r[1], r[2].isoformat(), r[3]) for r in got] == [
        (5, "10:00", "2026-12-05", False)
    ]


async def test_the_region_is_set_and_changed_from_the_groups_settings(foyer: Foyer) -> None:
    """A facilitator who skipped the region, or typed it wrong, sets it later: checked as
    every region is, a bad one asked again, /cancel keeps it; another facilitator's button
    changes nothing."""
    gid, _code = await foyer.create_group()
    uid = await make_facilitator(foyer, gid)
    sched = await tap(foyer, uid, await _menu(foyer, uid), "Schedule and reminders")
    assert "Region: not set" in sched.text
    asked = await tap(foyer, uid, sched, "Set the region")
    assert "Which region is the group in?" in asked.text
    foyer.emu.send_text(uid, "x" * 81)
    assert "at most 80 characters" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "  Ségou   Nord ")
    done = await foyer.last_message(uid)
    assert "Region: Ségou Nord" in done.text
    assert await rows(foyer, select(group.c.region)) == [("Ségou Nord",)]

    sched = await tap(foyer, uid, await _menu(foyer, uid), "Schedule and reminders")
    assert "Region: Ségou Nord" in sched.text
    await tap(foyer, uid, sched, "Change the region")
    foyer.emu.send_text(uid, "/cancel")
    await foyer.last_message(uid)
    foyer.emu.send_text(uid, "Kayes")  # no longer an answer: nothing changes
    await foyer.last_message(uid)
    assert await rows(foyer, select(group.c.region)) == [("Ségou Nord",)]

    other_gid, _ = await foyer.create_group()
    other = await make_facilitator(foyer, other_gid)
    own_menu = await _menu(foyer, other)
    qid = foyer.emu.press_button(other, own_menu.message_id, AskRegion(gid).pack())  # forged
    refused = await foyer.emu.wait_for_callback_answer(qid)
    assert refused["text"] and "Which region" not in refused["text"]
    foyer.emu.send_text(other, "Mopti")  # not an answer to anything
    await foyer.last_message(other)
    assert await rows(foyer, select(group.c.region).where(group.c.id == gid)) == [("Ségou Nord",)]


async def test_group_chat_link_gets_reminders_and_reads_nothing_else(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    await foyer.join(code)
    uid = await make_facilitator(foyer, gid)
    menu = await _menu(foyer, uid)
    how = await tap(foyer, uid, menu, "Link the group chat")
    chat_code = how.text.split("/link ", 1)[1].split()[0]
    chat = -100500
    foyer.emu.add_bot_to_group(chat, uid, chat_title="Kati Men chat")
    stranger = foyer.new_user()
    foyer.emu.send_group_text(chat, stranger, f"/link {chat_code}")  # not the facilitator
    assert "does not work" in ((await foyer.emu.wait_for_message(chat)).text or "")
    foyer.emu.send_group_text(chat, uid, f"/link {chat_code}")
    assert "now linked to" in ((await foyer.emu.wait_for_message(chat)).text or "")
    assert await rows(foyer, select(group.c.chat_id)) == [(chat,)]
    foyer.emu.send_group_text(chat, stranger, "hello everyone")
    await foyer.emu.wait_idle()
    await foyer.advance_to(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    await foyer.settle()
    reminder = await foyer.emu.wait_for_message(chat)
    assert (reminder.text or "").startswith("Reminder: your group meets tomorrow")
    await foyer.advance_to(datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    await foyer.settle()
    assert "in one hour" in ((await foyer.emu.wait_for_message(chat)).text or "")
    await foyer.advance_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    await foyer.settle()
    question = await foyer.emu.wait_for_message(chat, lambda m: "Week 1" in (m.text or ""))
    assert "Q1 of 1?" in (question.text or "")
    assert await count(foyer, outbox, outbox.c.chat_id == chat) == 3  # 24 h, 1 h, question
    # Nothing but /link was answered in the chat.
    assert len(foyer.emu.messages(chat)) == 5
    foyer.emu.remove_bot_from_group(chat, uid)
    for _ in range(100):
        if await rows(foyer, select(group.c.chat_id)) == [(None,)]:
            break
        await asyncio.sleep(0.02)
    assert await rows(foyer, select(group.c.chat_id)) == [(None,)]


async def test_removed_member_cannot_rejoin_with_a_link(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    uid = await make_facilitator(foyer, gid)
    listing = await tap(foyer, uid, await _menu(foyer, uid), "Members")
    ask = await tap(foyer, uid, listing, "Remove Member 1")
    await tap(foyer, uid, ask, "Yes")
    await foyer.settle()
    foyer.emu.send_text(member, f"/start {code}")
    assert "cannot bring you back" in (await foyer.last_message(member)).text
    statuses = await rows(foyer, select(membership.c.status).where(membership.c.role == "member"))
    assert statuses == [("removed",)]
