"""The programme report's words in the reader's language: each indicator's meaning (as
docs/indicators.md defines it; its name is bot/reports/programme_text.py's, shared by every
output), the periods, and the rows of the tables (countries, languages, regions). Every word
through gettext, every date and number through babel; the caller sets the language
(bot.i18n.use_language).
"""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent

from bot.domain.indicators import DEFINITIONS, Indicator, PeriodKind, Unit
from bot.i18n import _, current_language, format_number, pgettext
from bot.reports.programme_text import indicator_name


def indicator_meaning(indicator: Indicator) -> str:
    return {
        Indicator.ENROLLED: _("Members who joined a group during the period."),
        Indicator.REACHED: _(
            "Members who were sent a week's message during the period and received it "
            "(delivered, not blocked)."
        ),
        Indicator.RETAINED: _(
            "Members still enrolled, and not blocking the bot, at the end of the period."
        ),
        Indicator.CHECKIN_ANSWERED: _(
            "Weekly check-ins answered, by the members who chose to share their progress."
        ),
        Indicator.CHECKIN_DONE: _("Check-ins answered “Done”: the week's practice was done."),
        Indicator.CHECKIN_PARTLY: _("Check-ins answered “Partly”."),
        Indicator.CHECKIN_NOTYET: _("Check-ins answered “Not yet”."),
        Indicator.MEETINGS_HELD: _("Group meetings that a facilitator logged as held."),
        Indicator.ATTENDANCE: _("People at those meetings, as the facilitator counted them."),
        Indicator.PARTNERS: _("Partners who joined the couples track during the period."),
        Indicator.HELP_SHOWN: _("Times the help screen was shown."),
        Indicator.CONCERNS: _("Concerns filed by members."),
    }[indicator]


def rate_shown(indicator: Indicator) -> bool:
    """Whether the whole report's figure is shown out of its denominator's: only where both
    add their periods up (men reached once are not a share of men at the end)."""
    d = DEFINITIONS[indicator]
    return (
        d.denominator is not None and d.whole == "sum" and DEFINITIONS[d.denominator].whole == "sum"
    )


def unit_name(unit: Unit) -> str:
    return {
        "people": pgettext("unit", "people"),
        "meetings": pgettext("unit", "meetings"),
        "answers": pgettext("unit", "answers"),
        "times": pgettext("unit", "times"),
    }[unit]


def denominator_name(indicator: Indicator) -> str | None:
    d = DEFINITIONS[indicator].denominator
    return indicator_name(d) if d is not None else None


def number(n: int) -> str:
    return format_number(n, current_language())


def percent(part: int, whole: int) -> str:
    return format_percent(part / whole, locale=current_language())


def day(d: date) -> str:
    return format_date(d, "long", locale=current_language())


def _month_start(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def _week_start(period: str) -> date:
    year, week = period.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def period_title(period: str, kind: PeriodKind) -> str:
    """A table's column head: "Dec 2026", or "Week 49" (its Monday in the tooltip)."""
    if kind == "month":
        return format_date(_month_start(period), "MMM y", locale=current_language())
    return _("Week {number}").format(number=int(period.split("-W")[1]))


def period_detail(period: str, kind: PeriodKind) -> str:
    """The period in full: "December 2026", or "Week 49, from 30 November 2026"."""
    if kind == "month":
        return format_date(_month_start(period), "MMMM y", locale=current_language())
    return _("Week {number}, from {day}").format(
        number=int(period.split("-W")[1]), day=day(_week_start(period))
    )


def period_axis(period: str, kind: PeriodKind) -> tuple[str, str]:
    """A chart's two lines under a period: ("Dec", "2026") or ("W49", "2026")."""
    if kind == "month":
        start = _month_start(period)
        return format_date(start, "MMM", locale=current_language()), str(start.year)
    year, week = period.split("-W")
    return pgettext("week, short", "W{number}").format(number=int(week)), year


def country_name(code: str) -> str:
    if not code:
        return _("(no country set)")
    names = Locale.parse(current_language()).territories
    return names.get(code.upper(), code)


def language_name(code: str) -> str:
    names = Locale.parse(current_language()).languages
    return names.get(code, code)


def part_name(table: str, row: str) -> str:
    """A row of a partition or side table as the reader knows it."""
    if table == "country":
        return country_name(row)
    if table == "language":
        return language_name(row)
    if not row:
        return _("(not set)")
    return row  # a region or curriculum, as staff wrote it: the caller escapes it


def table_title(table: str) -> str:
    return {
        "country": _("By country"),
        "region": _("By region"),
        "curriculum": _("By curriculum"),
        "language": _("By members' language"),
    }.get(table, table)
