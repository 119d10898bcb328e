"""Outbox kinds as one vocabulary: each kind has exactly one renderer, checked when the
application is built, and whether a message is still worth sending is decided by one rule that
the planner and the sender share."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.delivery import kinds
from bot.delivery.kinds import weekly
from bot.delivery.render import RenderersIncomplete
from bot.domain.outbox_kinds import OutboxKind, useful_for, worth_sending
from bot.emulator import BotAPIEmulator
from bot.storage import outbox as outbox_rows
from bot.storage.tables import outbox
from tests.conftest import Foyer, make_settings
from tests.facilitator_helpers import make_facilitator, rows

MEETING = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # the test group's first, in Bamako (UTC)


def test_a_kind_without_a_renderer_stops_the_build_in_one_line(
    emu: BotAPIEmulator, db_url: str
) -> None:
    settings = make_settings(emu, db_url)
    without_guide = [(k, f) for k, f in kinds.REGISTERED if k is not OutboxKind.GUIDE]
    with pytest.raises(RenderersIncomplete) as refused:
        build_application(settings, renderers=without_guide)
    assert str(refused.value) == "outbox kinds without a renderer: guide"


def test_a_kind_with_two_renderers_stops_the_build_in_one_line(
    emu: BotAPIEmulator, db_url: str
) -> None:
    settings = make_settings(emu, db_url)
    twice = [*kinds.REGISTERED, (OutboxKind.PROMPT, weekly.checkin)]
    with pytest.raises(RenderersIncomplete) as refused:
        build_application(settings, renderers=twice)
    assert str(refused.value) == "outbox kinds with two renderers: prompt"
    both = [(k, f) for k, f in twice if k is not OutboxKind.REMOVED]
    with pytest.raises(RenderersIncomplete) as refused:
        build_application(settings, renderers=both)
    assert str(refused.value) == (
        "outbox kinds without a renderer: removed; with two renderers: prompt"
    )


async def _reminder_status(f: Foyer) -> list[tuple[str, int]]:
    query = select(outbox.c.status, outbox.c.attempts).where(
        outbox.c.kind == OutboxKind.REMINDER_1H
    )
    return [(status, attempts) for status, attempts in await rows(f, query)]


async def _tried_once(f: Foyer, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await _reminder_status(f) != [("pending", 1)]:
        assert asyncio.get_running_loop().time() < deadline, await _reminder_status(f)
        f.rt.wake_sender()
        await asyncio.sleep(0.02)


async def test_a_reminder_that_would_arrive_as_the_meeting_starts_is_not_sent(
    foyer: Foyer,
) -> None:
    """The sender kept a pending reminder for the whole grace period (a day): after an hour's
    outage "your group meets in one hour" arrived as the meeting began. It now expires by the
    planner's rule: 50 minutes after it was due."""
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    await make_facilitator(foyer, gid)
    foyer.emu.inject("sendMessage", 502, chat_id=member)  # the member's Telegram is out of reach
    await foyer.advance_to(MEETING - timedelta(hours=1))
    await _tried_once(foyer)  # on time, and it failed: pending for a retry
    foyer.emu.clear_faults()
    await foyer.settle_after(timedelta(minutes=55))  # five minutes before the meeting
    assert not [m for m in foyer.emu.messages(member) if (m.text or "").startswith("Reminder")]
    assert await _reminder_status(foyer) == [("expired", 1)]


async def test_the_sender_expires_each_kind_by_the_planners_rule(foyer: Foyer) -> None:
    """Rows of every kind, one just within its useful life and one just past it: the sender
    expires exactly those that worth_sending (the planner's rule) says are no longer worth it."""
    grace = timedelta(hours=foyer.rt.settings.grace_hours)
    now = foyer.clock.now()
    chat = foyer.new_user()
    expected: dict[str, bool] = {}
    async with foyer.rt.engine.begin() as conn:
        for kind in OutboxKind:
            for margin in (timedelta(minutes=-1), timedelta(minutes=1)):  # past it, within it
                due = now - useful_for(kind, grace) + margin
                key = f"test:{kind}:{margin.total_seconds():+.0f}"
                await outbox_rows.enqueue(conn, key=key, chat_id=chat, kind=kind, due_at=due)
                expected[key] = not worth_sending(kind, due, now, grace)
    foyer.rt.wake_sender()
    await foyer.settle()
    got = dict(await rows(foyer, select(outbox.c.key, outbox.c.status == "expired")))
    assert {key: bool(expired) for key, expired in got.items()} == expected
    assert sum(expected.values()) == len(OutboxKind)  # half of them, one of each kind
