"""The programme's indicators, defined once: what each counts, over what, per what period, and
who may see it (no SQL; bot/storage/indicators.py counts them, docs/indicators.md explains
them, every output of `foyer report programme` and /programme uses these definitions).

Every indicator is a count of people, meetings or events in a period; a rate is shown as its
numerator beside its denominator, both counts, both protected (bot/domain/suppression.py), so
a rate is never shown where either count is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal


class Indicator(StrEnum):
    ENROLLED = "enrolled"  # members who joined in the period
    REACHED = "reached"  # members sent a week's message in the period (delivered, not blocked)
    RETAINED = "retained"  # members still taking part at the period's end
    CHECKIN_ANSWERED = "checkin_answered"  # check-ins answered, by members who opted in
    CHECKIN_DONE = "checkin_done"
    CHECKIN_PARTLY = "checkin_partly"
    CHECKIN_NOTYET = "checkin_notyet"
    MEETINGS_HELD = "meetings_held"  # meetings a facilitator logged as held
    ATTENDANCE = "attendance"  # people at those meetings, as the facilitator counted them
    PARTNERS = "partners"  # partners who joined the couples track in the period
    HELP_SHOWN = "help_shown"  # times the help screen was shown
    CONCERNS = "concerns"  # concerns filed


Unit = Literal["people", "meetings", "answers", "times"]
# What the whole report's figure of an indicator is. "sum": its periods added up (events,
# and people counted as they join). "once": people counted once over the report (a man
# reached in March and in April is one man reached, not two). "end": a count at the report's
# end (the last period's), as a stock has no sum.
Whole = Literal["sum", "once", "end"]
WHOLE = "whole"  # the period label of a count made over the whole report ("once")
# "programme": admins, programme officers, donors' reports; "safeguarding": admins and focal
# points only, never in a report a facilitator or a donor receives.
Audience = Literal["programme", "safeguarding"]
PeriodKind = Literal["month", "week"]


@dataclass(frozen=True)
class Definition:
    indicator: Indicator
    unit: Unit
    audience: Audience
    denominator: Indicator | None = None  # shown as "numerator of denominator" where set
    whole: Whole = "sum"


DEFINITIONS: dict[Indicator, Definition] = {
    d.indicator: d
    for d in (
        Definition(Indicator.ENROLLED, "people", "programme"),
        Definition(Indicator.REACHED, "people", "programme", Indicator.RETAINED, "once"),
        Definition(Indicator.RETAINED, "people", "programme", whole="end"),
        Definition(Indicator.CHECKIN_ANSWERED, "answers", "programme", Indicator.REACHED),
        Definition(Indicator.CHECKIN_DONE, "answers", "programme", Indicator.CHECKIN_ANSWERED),
        Definition(Indicator.CHECKIN_PARTLY, "answers", "programme", Indicator.CHECKIN_ANSWERED),
        Definition(Indicator.CHECKIN_NOTYET, "answers", "programme", Indicator.CHECKIN_ANSWERED),
        Definition(Indicator.MEETINGS_HELD, "meetings", "programme"),
        Definition(Indicator.ATTENDANCE, "people", "programme"),
        Definition(Indicator.PARTNERS, "people", "programme"),
        Definition(Indicator.HELP_SHOWN, "times", "safeguarding"),
        Definition(Indicator.CONCERNS, "times", "safeguarding"),
    )
}

# The tables of one indicator (bot/domain/suppression.py): rows of groups, the partitions of
# the groups, and the side table of members' languages.
PARTITIONS = ("country", "region", "curriculum")
SIDES = ("language",)


def periods(start: date, end: date, kind: PeriodKind) -> tuple[str, ...]:
    """The calendar periods from ``start`` to ``end`` (both included), as ISO labels:
    "2026-12" for a month, "2026-W49" for an ISO week (DHIS2 writes them 202612 and 2026W49)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    out: list[str] = []
    day = start
    while day <= end:
        label = period_of(day, kind)
        if not out or out[-1] != label:
            out.append(label)
        day += timedelta(days=1 if kind == "month" else 7)
    last = period_of(end, kind)
    if out[-1] != last:
        out.append(last)
    return tuple(out)


def period_of(day: date, kind: PeriodKind) -> str:
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"
