"""Every dialogue waits for a typed answer one way (bot/handlers/dialogue.py): a staff question
and a safety one are the same kind of thing, so /cancel, expiry, the distress check and "the
newest question is the one answered" hold for both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from tests.conftest import Foyer
from tests.facilitator_helpers import make_facilitator
from tests.test_safety_concerns import add_facilitator, concerns_in_db
from tests.test_safety_help import ask, focal_ready, start_foyer

MEMBER_FACILITATOR = 9300  # a facilitator enrolled in the group, so may raise a concern too


@pytest.fixture
async def dfoyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    async for f in start_foyer(emu, db_url, clock):
        yield f


async def _at_concern_text(f: Foyer, uid: int) -> None:
    """/concern, its three choices: the next message would be the concern's text."""
    msg = await ask(f, uid, "/concern")
    for choice in ("Feedback", "The programme", "Stay anonymous"):
        await f.press(uid, msg, choice)
        msg = await f.emu.wait_for_edit(uid, msg.message_id)
    assert "write your feedback" in (msg.text or "")


async def _member_facilitator(f: Foyer) -> int:
    """A facilitator of a group with one member, enrolled so they may raise a concern too."""
    await focal_ready(f)
    gid, code = await f.create_group()
    await f.join(code)
    await add_facilitator(f, gid, MEMBER_FACILITATOR)
    return MEMBER_FACILITATOR


async def test_cancel_ends_a_concern_waiting_for_its_text(dfoyer: Foyer) -> None:
    f = dfoyer
    await focal_ready(f)
    _gid, code = await f.create_group()
    uid = await f.join(code)
    await _at_concern_text(f, uid)
    assert "Cancelled" in (await ask(f, uid, "/cancel")).text
    # What comes after /cancel is not sent to the safeguarding team.
    assert "Your reference" not in (await ask(f, uid, "what I thought better of")).text
    assert await concerns_in_db(f) == []


async def test_the_newest_question_is_the_one_answered(dfoyer: Foyer) -> None:
    f = dfoyer
    uid = await _member_facilitator(f)
    assert "a voice note" in (await ask(f, uid, "/broadcast")).text
    await _at_concern_text(f, uid)
    assert "Your reference" in (await ask(f, uid, "The room was locked last week.")).text
    # The broadcast asked before the concern no longer waits: this is no draft for the group.
    assert "Message from your facilitator" not in (
        (await ask(f, uid, "see you on Friday")).text or ""
    )


async def test_a_concern_cancel_leaves_a_broadcast_asked_since(dfoyer: Foyer) -> None:
    f = dfoyer
    uid = await _member_facilitator(f)
    concern_msg = await ask(f, uid, "/concern")
    assert "a voice note" in (await ask(f, uid, "/broadcast")).text
    await f.press(uid, concern_msg, "Cancel")
    assert "Nothing was sent" in (
        (await f.emu.wait_for_edit(uid, concern_msg.message_id)).text or ""
    )
    assert "Message from your facilitator" in ((await ask(f, uid, "see you on Friday")).text or "")


async def test_distress_words_are_heard_once_a_wizard_has_expired(dfoyer: Foyer) -> None:
    f = dfoyer
    uid = await make_facilitator(f, None)
    assert "(step 1 of 8)" in (await ask(f, uid, "/newgroup")).text
    f.clock.advance(timedelta(minutes=31))  # the wizard is forgotten: nothing waits any more
    assert "Did I understand you?" in (await ask(f, uid, "he said he will kill me tonight")).text
