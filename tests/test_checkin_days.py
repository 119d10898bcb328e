"""FOYER_CHECKIN_AFTER_DAYS: every group created (CLI, CSV import, /newgroup all create through
group_setup.create_groups) asks for its check-in that many days after the weekly message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage.tables import group
from tests.conftest import Foyer, make_settings
from tests.facilitator_helpers import rows

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Friday 09:00 in Bamako


def checkins(f: Foyer, uid: int) -> list[str]:
    return [m.text for m in f.emu.messages(uid) if m.text and "Check-in of week 1" in m.text]


async def test_checkin_comes_the_configured_days_after_the_weekly_message(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    app = build_application(make_settings(emu, db_url, checkin_after_days=5), clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uid = await f.join(code)
        assert await rows(f, group.select().with_only_columns(group.c.checkin_after_days)) == [(5,)]
        await f.advance_to(WEEK1)
        await f.settle()
        await f.advance_to(WEEK1 + timedelta(days=3))
        await f.settle()
        assert checkins(f, uid) == []  # not the built-in 3 days
        await f.advance_to(WEEK1 + timedelta(days=5))
        await f.settle()
        assert len(checkins(f, uid)) == 1
