"""Report totals as short lines for a phone, in the reader's language."""

from __future__ import annotations

import html

from bot.i18n import _
from bot.reports.aggregates import ShownWeek


def session_line(w: ShownWeek) -> str:
    if w.held is None:
        return _("Session: not logged")
    if not w.held:
        return _("Session: did not take place")
    if w.attendance is None:
        return _("Session: held")
    return _("Session: held, attendance {count}").format(count=html.escape(w.attendance))


def week_block(w: ShownWeek, day: str) -> str:
    """Every count is already suppressed ("<3"), so it is escaped for Telegram's HTML."""
    head = _("<b>Week {number}</b> ({day})").format(number=w.week, day=html.escape(day))
    reached = _("Members reached: {count}").format(count=html.escape(w.reached))
    answers = _("Check-ins: Done {done} · Partly {partly} · Not yet {notyet}").format(
        done=html.escape(w.done), partly=html.escape(w.partly), notyet=html.escape(w.notyet)
    )
    return "\n".join([head, reached, answers, session_line(w)])


def chart_labels() -> dict[str, str]:
    return {
        "reached": _("Members reached"),
        "done": _("Done"),
        "partly": _("Partly"),
        "notyet": _("Not yet"),
        "attendance": _("Attendance"),
        "week": _("Week {number}"),
    }
