"""Due work goes out at start: a restart (or a crash restart) must not hold the week's messages
back for a whole FOYER_TICK_SECONDS."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import FIRST_TICK_SECONDS, build_application, running
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from tests.conftest import Foyer, make_settings


async def test_the_first_planner_tick_comes_at_start(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    # The planner's interval is an hour here (as in every test): only a tick at start can
    # send the prompt within the few seconds waited below.
    assert FIRST_TICK_SECONDS <= 2
    settings = make_settings(emu, db_url)
    assert settings.tick_seconds == 3600
    first = build_application(settings, clock=clock)
    async with running(first, poll_timeout=1):
        f = Foyer(app=first, rt=runtime_of(first), emu=emu, clock=clock)
        _gid, code = await f.create_group()  # Thursday meetings, Friday 09:00 deliveries
        uid = await f.join(code)
    # Foyer was down when week 1's prompt fell due (Friday 4 December, 09:00 in Bamako).
    clock.set(datetime(2026, 12, 4, 9, 30, tzinfo=UTC))
    again = build_application(settings, clock=clock)
    async with running(again, poll_timeout=1):
        prompt = await emu.wait_for_message(
            uid, lambda m: "Prompt of week 1" in (m.text or ""), timeout=FIRST_TICK_SECONDS + 3
        )
    assert prompt.text
