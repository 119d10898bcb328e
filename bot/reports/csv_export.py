"""The report as CSV: the same suppressed totals, one row per week."""

from __future__ import annotations

import csv
import io

from bot.reports.aggregates import WeekTotals, shown

COLUMNS = (
    "group_id",
    "week",
    "meeting_date",
    "members_reached",
    "checkins_done",
    "checkins_partly",
    "checkins_not_yet",
    "session_held",
    "attendance",
)


def render_csv(group_id: int, weeks: list[WeekTotals], min_count: int) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS)
    for t in weeks:
        s = shown(t, min_count)
        held = "" if s.held is None else ("yes" if s.held else "no")
        out.writerow(
            [
                group_id,
                s.week,
                s.meeting_day.isoformat(),
                s.reached,
                s.done,
                s.partly,
                s.notyet,
                held,
                s.attendance or "",
            ]
        )
    return buf.getvalue().encode("utf-8")
