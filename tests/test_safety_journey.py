"""A whole journey, then a search of every table and every log line for anything the person
typed: nothing may be found except the concern, in the concern table."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.concerns import NOTIFY_EVERY
from bot.storage.tables import concern, metadata
from tests.conftest import Foyer, msg_buttons
from tests.test_safety_help import FOCAL, SAFE_WORD, ask, focal_ready, sfoyer  # noqa: F401

FIRST_DELIVERY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
NAME, HANDLE = "Zoubeirou", "zoubeir_kati"
# Every text typed carries a marker nobody else would write.
FREE = "my wife and I talked qmarkfree about the challenge"
DISTRESS = "he beats me qmarkdistress at night"
CONCERN = "the facilitator qmarkconcern mocked a member"
AFTER_HELP = "some words qmarkafterhelp after help"
CAPTION = "a photo qmarkcaption of our meeting"
EDITED = "corrected qmarkedited text"
UNKNOWN = "/qmarkcommand now"
ANSWER = "we will qmarkanswer follow this up"
MARKERS = ("qmark", NAME, HANDLE)


async def journey(f: Foyer) -> int:
    await focal_ready(f)
    _gid, code = await f.create_group()
    uid = f.new_user(first_name=NAME)
    f.emu.user(uid, username=HANDLE)
    await f.join(code, user_id=uid, show_name=False)

    # Four weeks of programme, answering every check-in.
    for week in range(4):
        await f.advance_to(FIRST_DELIVERY + timedelta(weeks=week, days=3))
        await f.settle()
        checkin = await f.emu.wait_for_message(uid, lambda m: bool(m.reply_markup))
        await f.press(uid, checkin, ("Done", "Partly", "Not yet", "Done")[week])
        await f.emu.wait_for_edit(uid, checkin.message_id)

    await ask(f, uid, FREE)
    sent = f.emu.send_text(uid, "first draft")
    await f.last_message(uid)
    f.emu.edit_text(uid, sent.message_id, EDITED)
    await f.emu.wait_idle()
    f.emu.send_photo(uid, caption=CAPTION)
    await f.last_message(uid)
    await ask(f, uid, UNKNOWN)

    question = await ask(f, uid, DISTRESS)
    await f.press(uid, question, "Yes, show me help")
    shown = await f.emu.wait_for_edit(uid, question.message_id)
    await f.press(uid, shown, "Talk to a person")
    offer = await f.last_message(uid)
    await f.press(uid, offer, "Yes, tell them")
    await f.emu.wait_for_edit(uid, offer.message_id)
    await ask(f, uid, "/help")
    await ask(f, uid, SAFE_WORD)

    # A concern begun, interrupted by help (its text is dropped), then sent.
    for finish in (False, True):
        msg = await ask(f, uid, "/concern")
        await f.press(uid, msg, "Complaint")
        msg = await f.emu.wait_for_edit(uid, msg.message_id)
        await f.press(uid, msg, "A facilitator")
        msg = await f.emu.wait_for_edit(uid, msg.message_id)
        await f.press(uid, msg, "Stay anonymous")
        await f.emu.wait_for_edit(uid, msg.message_id)
        if finish:
            await ask(f, uid, CONCERN)
        else:
            f.emu.send_text(uid, "help")
            await f.emu.wait_for_messages(uid, 2)
            await ask(f, uid, AFTER_HELP)
    await f.settle_after(NOTIFY_EVERY)
    counted = await f.emu.wait_for_message(FOCAL, lambda m: "1 new concern" in (m.text or ""))
    await f.press(FOCAL, counted, msg_buttons(counted)[0][0][1])  # open it
    note = await f.emu.wait_for_message(FOCAL, lambda m: bool(m.reply_markup))
    await f.press(FOCAL, note, "Answer the reporter")
    await f.last_message(FOCAL)
    await ask(f, FOCAL, ANSWER)
    await f.emu.wait_for_message(uid, lambda m: "An answer" in (m.text or ""))

    menu = await ask(f, uid, "/settings")
    await f.press(uid, menu, msg_buttons(menu)[0][0][1])  # discreet on
    await f.emu.wait_for_edit(uid, menu.message_id)
    await f.settle()
    return uid


async def test_nothing_typed_is_stored_or_logged_except_the_concern(
    sfoyer: Foyer,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # what a deployment logs
    caplog.set_level(logging.DEBUG, logger="bot")  # and all of Foyer's own, at DEBUG
    await journey(sfoyer)

    found = []
    async with sfoyer.rt.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                for column, value in row.items():
                    if table is concern and column == "text":
                        assert value == CONCERN
                        continue
                    if any(m.lower() in str(value).lower() for m in MARKERS):
                        found.append(f"{table.name}.{column}")
    assert found == []
    async with sfoyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(concern.c.text))).scalars().all() == [CONCERN]

    lines = [
        r.getMessage() + (r.exc_text or "")
        for r in caplog.records
        if not r.name.startswith("bot.emulator")  # the test's own Telegram
    ]
    events = " ".join(lines)
    for event in ("safety.distress_offered", "safety.contact_requested", "concerns.submitted"):
        assert event in events  # the journey was logged ...
    leaks = [line for line in lines if any(m.lower() in line.lower() for m in MARKERS)]
    assert leaks == []  # ... without a word of it
