"""Discreet mode (join offer, /settings, neutral first line, protect_content, silent), auto-erase
and /erase within Telegram's 48 hours, /mydata, /forget and the member retention job."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.services import privacy
from bot.storage.tables import erasable, metadata, person
from tests.conftest import Foyer, msg_buttons
from tests.test_safety_help import FOCAL, ask, focal_ready, sfoyer  # noqa: F401

FIRST_DELIVERY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Friday 09:00 in Bamako


async def join_discreet(f: Foyer, code: str, uid: int | None = None) -> int:
    """The join journey, choosing "I accept, with discreet messages" on the last screen."""
    uid = uid if uid is not None else f.new_user()
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    await f.press(uid, msg, "English")
    for pick in (0, 0, 0, 1):  # read, consent, count my answers, show a number
        msg = await f.emu.wait_for_edit(uid, msg.message_id)
        await f.press(uid, msg, msg_buttons(msg)[pick][0][1])
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    assert "discreet messages" in (msg.text or "")
    await f.press(uid, msg, "I accept, with discreet messages")
    await f.emu.wait_for_edit(uid, msg.message_id)
    return uid


async def person_row(f: Foyer, uid: int) -> Any:
    async with f.rt.engine.connect() as conn:
        return (await conn.execute(select(person).where(person.c.telegram_id == uid))).first()


async def press_setting(f: Foyer, uid: int, msg: Any, label: str) -> Any:
    await f.press(uid, msg, label)
    return await f.emu.wait_for_edit(uid, msg.message_id)


async def test_discreet_join_neutral_first_line_protected_and_silent(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    _gid, code = await f.create_group()
    plain = await f.join(code)
    quiet = await join_discreet(f, code)
    assert (await person_row(f, quiet)).discreet and not (await person_row(f, plain)).discreet

    menu = await ask(f, quiet, "/settings")
    assert menu.text.startswith("A note for you.")  # even the settings answer is neutral on top
    assert "Discreet messages: on" in menu.text and menu.protect_content
    menu = await press_setting(f, quiet, menu, "Make notifications silent")
    assert "Saved." in menu.text and "Silent notifications: on" in menu.text
    assert (await person_row(f, quiet)).silent

    await f.advance_to(FIRST_DELIVERY)
    await f.settle()
    week = await f.emu.wait_for_message(quiet, lambda m: "weekly note" in (m.text or ""))
    assert week.text is not None
    assert week.text.splitlines()[0] == "Your weekly note is here."
    assert week.protect_content and week.disable_notification
    normal = await f.emu.wait_for_message(plain, lambda m: "Week 1" in (m.text or ""))
    assert (normal.text or "").startswith("Week 1") and not normal.protect_content
    assert not normal.disable_notification


async def test_settings_change_and_forged_values_change_nothing(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    _gid, code = await f.create_group()
    uid = await f.join(code)
    menu = await ask(f, uid, "/settings")
    assert "Discreet messages: off" in menu.text and "Automatic deletion: off" in menu.text
    menu = await press_setting(f, uid, menu, "Turn discreet messages on")
    assert menu.text.startswith("A note for you.")
    menu = await press_setting(f, uid, menu, "Automatic deletion…")
    labels = [b[0] for row in msg_buttons(menu) for b in row]
    assert labels == ["⏱ 1 hour", "⏱ 6 hours", "⏱ 12 hours", "⏱ 24 hours", "⏱ 36 hours", "♾ Never"]
    assert "48 hours" in menu.text
    before = await person_row(f, uid)
    for forged in ("zs:e:47", "zs:e:48", "zs:e:99", "zs:d:2", "zs:x"):
        qid = f.emu.press_button(uid, menu.message_id, forged)
        answer = await f.emu.wait_for_callback_answer(qid)
        assert answer.get("text") == "This button no longer works."
    assert await person_row(f, uid) == before
    menu = await press_setting(f, uid, menu, "6 hours")
    assert "Automatic deletion: after 6 hours" in menu.text
    assert (await person_row(f, uid)).auto_erase_hours == 6

    stranger = f.new_user()
    msg = await ask(f, stranger, "/settings")
    assert "not in a group yet" in msg.text


async def test_auto_erase_at_the_chosen_hour_never_past_48_hours(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    _gid, code = await f.create_group()
    uid = await join_discreet(f, code)
    menu = await ask(f, uid, "/settings")
    menu = await press_setting(f, uid, menu, "Automatic deletion…")
    await press_setting(f, uid, menu, "6 hours")

    await f.advance_to(FIRST_DELIVERY)
    await f.settle()
    week1 = await f.emu.wait_for_message(uid, lambda m: "Week 1" in (m.text or ""))
    reply = f.emu.send_text(uid, "thanks, we talked about it")  # the member's reply
    await f.last_message(uid)  # Foyer's gentle pointer
    f.clock.advance(timedelta(hours=5, minutes=50))
    assert await privacy.auto_erase(f.rt, f.app.bot) == 0
    assert not f.emu.message(uid, week1.message_id).deleted
    f.clock.advance(timedelta(minutes=15))
    assert await privacy.auto_erase(f.rt, f.app.bot) >= 2
    assert f.emu.message(uid, week1.message_id).deleted
    assert f.emu.message(uid, reply.message_id).deleted

    # Turn auto-erase to 36 h, then let the job miss its time (the server was down): a message
    # past Telegram's 48 hours is dropped from the list and never asked to be deleted.
    menu = await ask(f, uid, "/settings")
    menu = await press_setting(f, uid, menu, "Automatic deletion…")
    await press_setting(f, uid, menu, "36 hours")
    await f.advance_to(FIRST_DELIVERY + timedelta(days=3))  # the week 1 check-in is due
    await f.settle()
    checkin = await f.emu.wait_for_message(uid, lambda m: bool(m.reply_markup))
    f.clock.advance(timedelta(hours=49))
    await privacy.auto_erase(f.rt, f.app.bot)
    asked = [
        mid
        for call in f.emu.calls("deleteMessages") + f.emu.calls("deleteMessage")
        for mid in call.params.get("message_ids", [call.params.get("message_id")])
    ]
    assert checkin.message_id not in asked
    assert not f.emu.message(uid, checkin.message_id).deleted
    async with f.rt.engine.connect() as conn:
        left = (await conn.execute(select(erasable.c.message_id))).scalars().all()
    assert checkin.message_id not in left


async def test_erase_deletes_what_it_can_and_says_what_it_cannot(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    _gid, code = await f.create_group()
    uid = await f.join(code)
    await f.advance_to(FIRST_DELIVERY)
    await f.settle()
    old = await f.emu.wait_for_message(uid, lambda m: "Week 1" in (m.text or ""))
    f.clock.advance(timedelta(days=3, hours=1))
    await f.tick()
    await f.settle()
    recent = await f.emu.wait_for_message(uid, lambda m: bool(m.reply_markup))
    answer = await ask(f, uid, "/erase")
    assert "Foyer deleted 2 messages" in answer.text  # the check-in and the /erase itself
    assert "48 hours" in answer.text and "Clear history" in answer.text
    assert "Auto-delete" in answer.text
    assert f.emu.message(uid, recent.message_id).deleted
    assert not f.emu.message(uid, old.message_id).deleted  # too old: never asked
    asked = [mid for c in f.emu.calls("deleteMessages") for mid in c.params["message_ids"]]
    assert old.message_id not in asked


async def test_mydata_sends_everything_stored(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    _gid, code = await f.create_group()
    uid = await f.join(code, show_name=True)
    await f.advance_to(FIRST_DELIVERY + timedelta(days=3))
    await f.settle()
    checkin = await f.emu.wait_for_message(uid, lambda m: bool(m.reply_markup))
    await f.press(uid, checkin, "Partly")
    await f.emu.wait_for_edit(uid, checkin.message_id)
    f.emu.send_text(uid, "/mydata")
    doc = await f.emu.wait_for_message(uid, lambda m: m.kind == "document")
    assert doc.protect_content and "Everything Foyer stores" in (doc.caption or "")
    assert doc.file is not None
    stored = f.emu.file(doc.file.file_id)
    assert stored.data is not None
    data = json.loads(stored.data)
    assert data["person"][0]["telegram_id"] == uid and data["person"][0]["first_name"] == "Amadou"
    assert [m["role"] for m in data["membership"]] == ["member"]
    assert [(c["week"], c["value"]) for c in data["checkin"]] == [(1, "partly")]
    assert {o["kind"] for o in data["outbox"]} >= {"prompt", "checkin"}

    stranger = f.new_user()
    msg = await ask(f, stranger, "/mydata")
    assert msg.text == "Foyer stores nothing about you."


def rows_naming(dump: dict[str, list[tuple[Any, ...]]], *needles: object) -> list[str]:
    return [
        f"{table}: {row}"
        for table, rows in dump.items()
        for row in rows
        if any(str(n) in (str(v) for v in row) for n in needles)
    ]


async def dump_db(f: Foyer) -> dict[str, list[tuple[Any, ...]]]:
    async with f.rt.engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in (await conn.execute(select(t))).all()]
            for t in metadata.sorted_tables
        }


async def test_forget_leaves_no_row_that_names_the_person(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    await focal_ready(f)
    _gid, code = await f.create_group()
    other = await f.join(code)
    uid = f.new_user(first_name="Seydou")
    f.emu.user(uid, username="seydou_k")
    await f.join(code, user_id=uid, show_name=True)
    pid = (await person_row(f, uid)).id
    await f.advance_to(FIRST_DELIVERY + timedelta(days=3))
    await f.settle()
    checkin = await f.emu.wait_for_message(uid, lambda m: bool(m.reply_markup))
    await f.press(uid, checkin, "Done")
    await f.emu.wait_for_edit(uid, checkin.message_id)
    help_msg = await ask(f, uid, "/help")
    await f.press(uid, help_msg, "Talk to a person")
    offer = await f.last_message(uid)
    await f.press(uid, offer, "Yes, tell them")
    await f.emu.wait_for_edit(uid, offer.message_id)
    msg = await ask(f, uid, "/concern")
    await f.press(uid, msg, "Feedback")
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    await f.press(uid, msg, "The programme")
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    await f.press(uid, msg, "Give my name")
    await f.emu.wait_for_edit(uid, msg.message_id)
    await ask(f, uid, "More sessions in the evening please")
    await f.settle()
    assert rows_naming(await dump_db(f), uid)  # before: plenty

    confirm = await ask(f, uid, "/forget")
    assert "cannot be undone" in confirm.text and "180 days" in confirm.text
    await f.press(uid, confirm, "No, keep my data")
    await f.emu.wait_for_edit(uid, confirm.message_id)
    assert await person_row(f, uid) is not None
    confirm = await ask(f, uid, "/forget")
    await f.press(uid, confirm, "Yes, delete everything")
    done = await f.emu.wait_for_message(uid, lambda m: "Done. Foyer has deleted" in (m.text or ""))
    assert "Clear history" in (done.text or "")

    dump = await dump_db(f)
    assert rows_naming(dump, uid, "Seydou", "seydou_k") == []
    assert not [r for r in dump["membership"] if r[1] == pid]
    (kept,) = dump["concern"]  # the feedback stays for the team, with no way back to him
    kept_row = dict(zip([c.name for c in metadata.tables["concern"].columns], kept, strict=True))
    assert kept_row["reporter_id"] is None and kept_row["anonymous"]
    assert await person_row(f, other) is not None  # nobody else is touched
    # He is a stranger again: help still works, and he can join anew.
    msg = await ask(f, uid, "/mydata")
    assert msg.text == "Foyer stores nothing about you."
    await f.join(code, user_id=uid)
    assert await person_row(f, uid) is not None


async def test_member_retention_job_erases_the_long_inactive(sfoyer: Foyer) -> None:  # noqa: F811
    f = sfoyer
    _gid, code = await f.create_group()
    idle = await f.join(code)
    f.clock.advance(timedelta(days=200))
    active = await f.join(code)
    f.clock.advance(timedelta(days=165) - timedelta(minutes=5))  # day 365 of idle, minus 5'
    result = await privacy.retention(f.rt)
    assert result.people == 0 and await person_row(f, idle) is not None
    f.clock.advance(timedelta(minutes=10))
    result = await privacy.retention(f.rt)
    assert result.people == 1
    assert await person_row(f, idle) is None and await person_row(f, active) is not None
    assert rows_naming(await dump_db(f), idle) == []
    # Writing to Foyer counts as activity: the active member stays past his own year.
    f.clock.advance(timedelta(days=190))
    await ask(f, active, "/progress")
    f.clock.advance(timedelta(days=10))
    await privacy.retention(f.rt)
    assert await person_row(f, active) is not None


async def test_every_reply_follows_discreet_mode_and_can_be_erased(sfoyer: Foyer) -> None:  # noqa: F811
    """Not only programme messages: the answer to /pause is shaped and erasable too."""
    f = sfoyer
    _gid, code = await f.create_group()
    uid = await join_discreet(f, code)
    f.emu.send_text(uid, "/pause")
    answer = await f.last_message(uid)
    assert answer.protect_content

    async def noted() -> bool:
        async with f.rt.engine.connect() as conn:
            ids = (await conn.execute(select(erasable.c.message_id))).scalars().all()
        return answer.message_id in ids

    for _ in range(100):  # the bot notes it just after Telegram answered
        if await noted():
            break
        await asyncio.sleep(0.02)
    assert await noted()
    await ask(f, uid, "/erase")
    assert f.emu.message(uid, answer.message_id).deleted
