"""The programme report's key numbers as plain text, in the reader's language (what
`foyer report programme` prints when no file is asked for), and the indicators' names, for
every output that shows them."""

from __future__ import annotations

from babel.dates import format_date

from bot.domain.indicators import DEFINITIONS, Indicator
from bot.i18n import _, current_language, format_number, ngettext
from bot.reports.programme import ProgrammeReport

HIDDEN = "–"  # a hidden count: never "<N" (a complementary one may be large)


def indicator_name(indicator: Indicator) -> str:
    names = {
        Indicator.ENROLLED: _("Members enrolled"),
        Indicator.REACHED: _("Members reached by the week's message"),
        Indicator.RETAINED: _("Members still taking part at the period's end"),
        Indicator.CHECKIN_ANSWERED: _("Check-ins answered"),
        Indicator.CHECKIN_DONE: _("Check-ins: Done"),
        Indicator.CHECKIN_PARTLY: _("Check-ins: Partly"),
        Indicator.CHECKIN_NOTYET: _("Check-ins: Not yet"),
        Indicator.MEETINGS_HELD: _("Meetings held"),
        Indicator.ATTENDANCE: _("Attendance at meetings"),
        Indicator.PARTNERS: _("Partners who joined the couples track"),
        Indicator.HELP_SHOWN: _("Times the help screen was shown"),
        Indicator.CONCERNS: _("Concerns filed"),
    }
    return names[indicator]


def whole_note(indicator: Indicator) -> str | None:
    """What the whole report's figure of an indicator is, where it is not its periods' sum."""
    whole = DEFINITIONS[indicator].whole
    if whole == "once":
        return _("Total: each member counted once, however many periods he was reached in.")
    if whole == "end":
        return _("Total: at the end of the report's last period.")
    return None


def shown(value: int | None) -> str:
    return HIDDEN if value is None else format_number(value)


def key_numbers(report: ProgrammeReport) -> list[str]:
    """A heading, one line per indicator (its total over the report and in its last period),
    and what a hidden count means."""
    lang = current_language()
    where = report.country or _("every country")
    groups = ngettext("{count} group", "{count} groups", len(report.groups)).format(
        count=format_number(len(report.groups))
    )
    last = report.periods[-1]
    names = {i: indicator_name(i) for i in report.tables}
    heads = (_("Indicator"), _("Whole report"), _("Last period ({period})").format(period=last))
    width = max(len(heads[0]), *(len(n) for n in names.values()))
    wide = max(len(heads[1]), 8)
    out = [
        _("Programme report, {start} to {end} ({where}), {groups}").format(
            start=format_date(report.start, "long", locale=lang),
            end=format_date(report.end, "long", locale=lang),
            where=where,
            groups=groups,
        ),
        "",
        f"{heads[0]:<{width}}  {heads[1]:>{wide}}  {heads[2]}",
    ]
    for indicator, name in names.items():
        total = shown(report.total(indicator))
        recent = shown(report.total(indicator, last))
        out.append(f"{name:<{width}}  {total:>{wide}}  {recent:>{len(heads[2])}}")
    notes = [f"{names[i]}. {note}" for i in names if (note := whole_note(i)) is not None]
    out += [
        "",
        *notes,
        _(
            "{hidden}: hidden, because it is under {min_count} or would let a hidden count be "
            "worked out."
        ).format(hidden=HIDDEN, min_count=report.min_count),
    ]
    return out
