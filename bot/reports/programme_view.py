"""Who sees which programme figures in Telegram, and the report built for them away from the
bot's event loop (the admins' /programme and the monthly summary)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.domain.curricula import Curricula
from bot.domain.indicators import Audience
from bot.reports.programme import ProgrammeReport
from bot.reports.programme_build import build
from bot.reports.programme_summary import Figures, Sees
from bot.settings import Settings
from bot.storage.db import make_engine


def sees_of(settings: Settings, telegram_id: int) -> Sees:
    """Admins (FOYER_ADMIN_IDS) see the programme's figures; safeguarding focal points
    (FOYER_SAFEGUARDING_IDS) see help shown and concerns filed, and nothing else; an admin
    who is also a focal point sees both; nobody else anything. An admin who is not a focal
    point does not see help and concerns: the fewer who see them, the safer."""
    return Sees(
        programme=telegram_id in settings.admin_ids,
        safeguarding=telegram_id in settings.safeguarding_ids,
    )


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before ``day``'s."""
    return first_of_month(first_of_month(day) - timedelta(days=1))


def months_back(day: date, n: int) -> date:
    """The first day of the month ``n`` months before ``day``'s."""
    found = first_of_month(day)
    for _i in range(n):
        found = previous_month(found)
    return found


def last_of_month(first: date) -> date:
    return first_of_month(first + timedelta(days=31)) - timedelta(days=1)


async def build_apart(
    settings: Settings, curricula: Curricula, *, start: date, end: date, sees: Sees
) -> Figures:
    """The whole programme's figures, months by calendar, built in a worker thread with its
    own event loop and database engine: the counting and the suppression of a big programme
    take seconds of work that would otherwise hold up every other person's answer.

    One report per audience the reader belongs to: the programme's figures always come from
    the programme's report, so an admin who is also a focal point sees exactly what every
    other admin sees (the safeguarding report's tables add a row for people in no group)."""

    async def run() -> Figures:
        engine = make_engine(settings.database_url)

        async def one(audience: Audience) -> ProgrammeReport:
            return await build(
                engine,
                curricula,
                start=start,
                end=end,
                country=None,
                period_kind="month",
                min_count=settings.min_count,
                audience=audience,
            )

        try:
            return Figures(
                programme=await one("programme") if sees.programme else None,
                safeguarding=await one("safeguarding") if sees.safeguarding else None,
            )
        finally:
            await engine.dispose()

    return await asyncio.to_thread(asyncio.run, run())
