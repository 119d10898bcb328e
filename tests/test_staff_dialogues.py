"""Staff dialogues wait for their next answer one way (dialogue.Awaiting): the
/newgroup wizard too, so the safe word ends it like any other, and it is forgotten after half an
hour of Foyer's own clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage.tables import group
from tests.conftest import Foyer, make_settings, msg_buttons
from tests.facilitator_helpers import count, make_facilitator

SAFE_WORD = "mango"
STALE = "This button no longer works."


@pytest.fixture
async def wfoyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    app = build_application(make_settings(emu, db_url, safe_word=SAFE_WORD), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


async def _at_step_two(f: Foyer, uid: int) -> tuple[Any, str]:
    """/newgroup and a name: the programme question, and the data of its first button."""
    f.emu.send_text(uid, "/newgroup")
    await f.last_message(uid)
    f.emu.send_text(uid, "Kati Men")
    programmes = await f.last_message(uid)
    assert "(step 2 of 8)" in programmes.text
    return programmes, msg_buttons(programmes)[0][0][1]


async def test_the_safe_word_ends_the_newgroup_wizard(wfoyer: Foyer) -> None:
    f = wfoyer
    uid = await make_facilitator(f, None)
    programmes, first = await _at_step_two(f, uid)
    f.emu.send_text(uid, SAFE_WORD)
    dropped, shown = await f.emu.wait_for_messages(uid, 2)
    assert "was not sent" in (dropped.text or "") and (shown.text or "").startswith("Help\n")
    qid = f.emu.press_button(uid, programmes.message_id, first)
    assert (await f.emu.wait_for_callback_answer(qid)).get("text") == STALE
    f.emu.send_text(uid, "/cancel")
    assert "nothing to cancel" in (await f.last_message(uid)).text
    assert await count(f, group) == 0


async def test_a_wizard_left_alone_for_half_an_hour_is_forgotten(wfoyer: Foyer) -> None:
    f = wfoyer
    uid = await make_facilitator(f, None)
    programmes, first = await _at_step_two(f, uid)
    f.clock.advance(timedelta(minutes=31))
    qid = f.emu.press_button(uid, programmes.message_id, first)
    assert (await f.emu.wait_for_callback_answer(qid)).get("text") == STALE
    f.emu.send_text(uid, "Kati Men")
    assert "(step" not in (await f.last_message(uid)).text
    # Within the half hour, the wizard goes on where it was.
    programmes, first = await _at_step_two(f, uid)
    f.clock.advance(timedelta(minutes=29))
    await f.press(uid, programmes, first)
    assert "(step 3 of 8)" in ((await f.emu.wait_for_edit(uid, programmes.message_id)).text or "")
