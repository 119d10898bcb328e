"""Facilitators' broadcast texts are not kept forever: a draft never sent goes after a day, a sent
one FOYER_BROADCAST_RETENTION_DAYS after its delivery summary, and never while a message of it
(or its summary) still waits to be sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.services import privacy
from bot.settings import Settings
from bot.storage.tables import broadcast, outbox
from tests.conftest import Foyer
from tests.facilitator_helpers import count, make_facilitator, rows, tap

TEXT = "Meeting moved to the school"


async def draft(f: Foyer, fac: int, text: str = TEXT) -> Any:
    """The facilitator writes a broadcast; returns the "Send it?" question."""
    f.emu.send_text(fac, "/broadcast")
    await f.last_message(fac)
    f.emu.send_text(fac, text)
    await f.emu.wait_for_messages(fac, 2)  # the preview, then the question
    question = f.emu.messages(fac)[-1]
    assert "Send it to" in (question.text or "")
    return question


async def test_a_draft_never_sent_is_deleted_after_a_day(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    question = await draft(foyer, fac)
    foyer.clock.advance(timedelta(hours=23))
    assert (await privacy.retention(foyer.rt)).broadcasts == 0
    assert await count(foyer, broadcast) == 1
    foyer.clock.advance(timedelta(hours=2))
    assert (await privacy.retention(foyer.rt)).broadcasts == 1
    assert await count(foyer, broadcast) == 0
    # Its Send button is now stale: a kind answer, nothing sent.
    qid = foyer.emu.press_button(fac, question.message_id, question.buttons[0][1])
    assert "no longer works" in (await foyer.emu.wait_for_callback_answer(qid))["text"]
    await foyer.tick()
    await foyer.settle()
    assert not any(TEXT in (m.text or "") for m in foyer.emu.messages(member))


async def test_a_sent_text_is_deleted_after_its_summary_never_while_one_waits(
    emu: BotAPIEmulator, settings_factory: Callable[..., Settings], clock: OffsetClock
) -> None:
    # A long grace period, so a message can still be waiting when the retention time has come.
    settings = settings_factory(grace_hours=24 * 14, broadcast_retention_days=1)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        gid, code = await f.create_group()
        members = [await f.join(code) for _ in range(3)]
        fac = await make_facilitator(f, gid)

        async def send_and_summarize(text: str, summary_fails: bool = False) -> None:
            await tap(f, fac, await draft(f, fac, text), "Send")
            await f.settle()
            assert all(text in (f.emu.messages(m)[-1].text or "") for m in members)
            if summary_fails:
                emu.inject("sendMessage", 502, chat_id=fac)
            await f.tick()  # every message has an outcome: the summary is planned

        await send_and_summarize("First news")
        await f.emu.wait_for_message(fac, lambda m: "has gone out" in (m.text or ""))
        f.clock.advance(timedelta(hours=23))
        assert (await privacy.retention(f.rt)).broadcasts == 0  # within the day after it

        await send_and_summarize("Second news", summary_fails=True)  # it cannot reach her yet
        await emu.wait_until(
            lambda: [c for c in emu.calls() if c.status == 502 and c.params["chat_id"] == str(fac)],
            what="a failed summary",
        )
        f.clock.advance(timedelta(days=2))  # past both retention times
        assert (await privacy.retention(f.rt)).broadcasts == 1  # the first only
        (kept,) = await rows(f, select(broadcast.c.text))
        assert kept == ("Second news",)

        emu.clear_faults()
        f.rt.wake_sender()
        summary = await emu.wait_for_message(fac, lambda m: "has gone out" in (m.text or ""))
        assert "Could not be delivered" in (summary.text or "")  # rendered from its broadcast
        await f.settle()
        assert (await privacy.retention(f.rt)).broadcasts == 1
        assert await count(f, broadcast) == 0
        assert await count(f, outbox, outbox.c.kind == "broadcast") == 6  # outcomes stay
