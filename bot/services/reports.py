"""Group reports for facilitators: totals with small counts suppressed, as text, chart, CSV."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

from bot.delivery.due import schedule_for
from bot.domain.policy import Unavailable
from bot.reports.aggregates import GroupTotals, group_totals, in_range
from bot.reports.chart import render_png
from bot.reports.csv_export import render_csv
from bot.runtime import Runtime
from bot.storage.groups import GroupRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    group: GroupRow
    totals: GroupTotals
    min_count: int


async def report(rt: Runtime, g: GroupRow) -> Report:
    """The group's totals; Unavailable when its curriculum is no longer installed."""
    schedule = schedule_for(rt, g)
    if schedule is None:
        raise Unavailable
    async with rt.engine.connect() as conn:
        totals = await group_totals(conn, g.id, schedule, rt.clock.now())
    log.info("reports.report group=%s", g.id)
    return Report(g, totals, rt.settings.min_count)


async def chart(r: Report, title: str, labels: dict[str, str]) -> bytes:
    """Drawn in a worker thread so the bot keeps answering everyone else meanwhile."""
    return await asyncio.to_thread(render_png, r.totals.weeks, r.min_count, title, labels)


async def export_csv(rt: Runtime, g: GroupRow, start: date | None, end: date | None) -> bytes:
    r = await report(rt, g)
    return render_csv(g.id, in_range(r.totals.weeks, start, end), r.min_count)
