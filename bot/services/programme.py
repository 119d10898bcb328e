"""/programme: the programme's key numbers for this month and the last, and a chart of the
last months, for one admin or focal point (what they may see: bot/reports/programme_view.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.domain.indicators import Indicator, period_of
from bot.i18n import _
from bot.reports.programme_chart import render_png
from bot.reports.programme_summary import HIDDEN, Sees, key_numbers, month_short
from bot.reports.programme_view import build_apart, months_back, previous_month
from bot.runtime import Runtime

MONTHS_CHARTED = 6  # the chart's months, this one included


@dataclass(frozen=True)
class Overview:
    text: str  # HTML
    chart: bytes  # PNG


def _series(sees: Sees) -> list[tuple[str, Indicator]]:
    if sees.programme:
        return [
            (_("Members reached"), Indicator.REACHED),
            (_("Check-ins answered"), Indicator.CHECKIN_ANSWERED),
        ]
    return [(_("Help shown"), Indicator.HELP_SHOWN), (_("Concerns filed"), Indicator.CONCERNS)]


async def overview(rt: Runtime, sees: Sees) -> Overview:
    """Months are calendar months in UTC (Foyer knows no admin's timezone)."""
    today = rt.clock.now().date()
    figures = await build_apart(
        rt.settings,
        rt.curricula,
        start=months_back(today, MONTHS_CHARTED - 1),
        end=today,
        sees=sees,
    )
    text = key_numbers(
        figures,
        sees,
        current=period_of(today, "month"),
        previous=period_of(previous_month(today), "month"),
    )
    # Words and dates in the reader's language here, on the event loop; drawn in a thread.
    months = [month_short(p) for p in figures.periods]
    series = [(label, [figures.total(i, p) for p in figures.periods]) for label, i in _series(sees)]
    title = (
        _("The programme, month by month")
        if sees.programme
        else _("Help and concerns, month by month")
    )
    png = await asyncio.to_thread(render_png, months, series, title, HIDDEN)
    return Overview(text=text, chart=png)
