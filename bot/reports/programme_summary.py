"""The programme's key numbers as short lines for a phone, in the reader's language: what the
admins' /programme and the monthly summary show (bot/reports/programme.py's report, every count
already protected; a hidden one reads "–", explained once under the figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from bot.domain.indicators import DEFINITIONS, Indicator
from bot.i18n import _, current_language, format_number
from bot.reports.programme import ProgrammeReport

HIDDEN = "–"  # never "<N": a count hidden to protect another may be large


@dataclass(frozen=True)
class Sees:
    """What one reader may see: the programme's figures (admins), the counts about help and
    concerns (admins and safeguarding focal points)."""

    programme: bool
    safeguarding: bool

    @property
    def anything(self) -> bool:
        return self.programme or self.safeguarding


@dataclass(frozen=True)
class Figures:
    """What one reader is shown: each indicator from the report of its own audience (the
    programme's, or the safeguarding one), None for an audience the reader is not in."""

    programme: ProgrammeReport | None
    safeguarding: ProgrammeReport | None

    def _source(self, indicator: Indicator) -> ProgrammeReport:
        found = (
            self.programme if DEFINITIONS[indicator].audience == "programme" else self.safeguarding
        )
        if found is None:
            raise KeyError(indicator)  # a figure this reader may not see
        return found

    def total(self, indicator: Indicator, period: str) -> int | None:
        return self._source(indicator).total(indicator, period)

    @property
    def first(self) -> ProgrammeReport:
        found = self.programme or self.safeguarding
        assert found is not None
        return found

    @property
    def periods(self) -> tuple[str, ...]:
        return self.first.periods

    @property
    def min_count(self) -> int:
        return self.first.min_count


def month_of(period: str) -> date:
    """The first day of a month period ("2026-12")."""
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def month_name(period: str) -> str:
    """ "December 2026", "décembre 2026": the month on its own, in the reader's language."""
    return format_date(month_of(period), "LLLL y", locale=current_language())


def month_short(period: str) -> str:
    """ "Dec 2026": a chart's label."""
    return format_date(month_of(period), "LLL y", locale=current_language())


def figure(n: int | None) -> str:
    return HIDDEN if n is None else format_number(n)


def _programme_lines(r: Figures, period: str) -> list[str]:
    def n(i: Indicator) -> str:
        return figure(r.total(i, period))

    return [
        _("Members who joined: {count}").format(count=n(Indicator.ENROLLED)),
        _("Members reached by a week's message: {count}").format(count=n(Indicator.REACHED)),
        _("Members still taking part at the month's end: {count}").format(
            count=n(Indicator.RETAINED)
        ),
        _("Check-ins answered: {count}").format(count=n(Indicator.CHECKIN_ANSWERED)),
        _("of which Done {done} · Partly {partly} · Not yet {notyet}").format(
            done=n(Indicator.CHECKIN_DONE),
            partly=n(Indicator.CHECKIN_PARTLY),
            notyet=n(Indicator.CHECKIN_NOTYET),
        ),
        _("Meetings held: {count}").format(count=n(Indicator.MEETINGS_HELD)),
        _("Attendance at those meetings: {count}").format(count=n(Indicator.ATTENDANCE)),
        _("Partners who joined the couples track: {count}").format(count=n(Indicator.PARTNERS)),
    ]


def _safeguarding_lines(r: Figures, period: str) -> list[str]:
    return [
        _("Times the help screen was shown: {count}").format(
            count=figure(r.total(Indicator.HELP_SHOWN, period))
        ),
        _("Concerns filed: {count}").format(count=figure(r.total(Indicator.CONCERNS, period))),
    ]


def month_block(r: Figures, period: str, sees: Sees, *, so_far: bool = False) -> str:
    """One month's figures: the programme's (if the reader may see them), then help and
    concerns (if the reader may see those)."""
    name = month_name(period)
    name = name[:1].upper() + name[1:]  # a heading: "Décembre 2026", though CLDR's is lower
    head = (
        _("<b>{month}</b> (so far)").format(month=name)
        if so_far
        else _("<b>{month}</b>").format(month=name)
    )
    lines = [head]
    if sees.programme:
        lines += _programme_lines(r, period)
    if sees.safeguarding:
        lines += _safeguarding_lines(r, period)
    return "\n".join(lines)


def has_hidden(r: Figures, periods: tuple[str, ...], sees: Sees) -> bool:
    return any(r.total(i, p) is None for i in shown_indicators(sees) for p in periods)


def shown_indicators(sees: Sees) -> list[Indicator]:
    found: list[Indicator] = []
    if sees.programme:
        found += [
            Indicator.ENROLLED,
            Indicator.REACHED,
            Indicator.RETAINED,
            Indicator.CHECKIN_ANSWERED,
            Indicator.CHECKIN_DONE,
            Indicator.CHECKIN_PARTLY,
            Indicator.CHECKIN_NOTYET,
            Indicator.MEETINGS_HELD,
            Indicator.ATTENDANCE,
            Indicator.PARTNERS,
        ]
    if sees.safeguarding:
        found += [Indicator.HELP_SHOWN, Indicator.CONCERNS]
    return found


def hidden_note(min_count: int) -> str:
    return _(
        "{hidden}: hidden so that nobody can be singled out: a count under {n}, or one that "
        "would let a hidden count be worked out from the others."
    ).format(hidden=HIDDEN, n=min_count)


def key_numbers(r: Figures, sees: Sees, *, current: str | None, previous: str) -> str:
    """/programme: the current month so far (when given) and the previous one."""
    title = (
        _("<b>The programme's key numbers</b>")
        if sees.programme
        else _("<b>Help and concerns, across the programme</b>")
    )
    blocks = [title]
    shown = tuple(p for p in (current, previous) if p is not None)
    if current is not None:
        blocks.append(month_block(r, current, sees, so_far=True))
    blocks.append(month_block(r, previous, sees))
    if has_hidden(r, shown, sees):
        blocks.append(hidden_note(r.min_count))
    return "\n\n".join(blocks)


def monthly_summary(r: Figures, sees: Sees, period: str) -> str:
    """The summary an admin or focal point receives on the first day of the next month."""
    title = (
        _("<b>The programme last month</b>")
        if sees.programme
        else _("<b>Help and concerns last month, across the programme</b>")
    )
    blocks = [title, month_block(r, period, sees)]
    if has_hidden(r, (period,), sees):
        blocks.append(hidden_note(r.min_count))
    if sees.programme:
        blocks.append(_("Send /programme for this month so far and a chart."))
    return "\n\n".join(blocks)
