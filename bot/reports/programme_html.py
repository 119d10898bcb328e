"""The programme report as one self-contained HTML file, for a programme officer to open
offline, print on A4, or hand to a donor: key numbers, charts over time, a table for the whole
programme, for each country, region, curriculum and members' language, and for each group, and
what each indicator means. Nothing outside the file is loaded: no script, font, stylesheet or
image (the charts are inline SVG, bot/reports/programme_svg.py), and its Content-Security-Policy
forbids the browser to fetch anything even if the file is edited.

Every count is already protected (bot/domain/suppression.py). A hidden count is shown as "–",
the same whether it was hidden for being small or to protect a small one (telling them apart
would point at the small ones), never as "<N". No person appears: group names and counts.
Safeguarding counts (help shown, concerns) never go in, even from a safeguarding report: this
file is made to be shared, with donors too.
Every name staff typed is escaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from bot.domain.indicators import DEFINITIONS, Indicator
from bot.domain.suppression import SHARED, TOTAL, Cell, Protected
from bot.i18n import _, current_language, ngettext, use_language
from bot.reports import programme_words as w
from bot.reports.programme import GroupInfo, ProgrammeReport
from bot.reports.programme_css import STYLE
from bot.reports.programme_svg import Series, bar_chart
from bot.reports.programme_text import HIDDEN, indicator_name, whole_note

# Period columns per printed table: a year of months fits an A4 page's width; a year of weeks
# is cut into tables of 13 (a quarter), the total after the last.
COLUMNS_PER_TABLE = 13
# No request of any kind, even from a file someone edits later: styles inline, images only
# as data: URIs.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Beside an indicator whose total is not its periods' sum (members reached once; at the end).
_TOTAL_MARK = ' <a class="mark" href="#totals">†</a>'
CHARTS: tuple[tuple[str, tuple[Indicator, ...]], ...] = (
    ("enrolled-reached", (Indicator.ENROLLED, Indicator.REACHED)),
    ("checkins", (Indicator.CHECKIN_DONE, Indicator.CHECKIN_PARTLY, Indicator.CHECKIN_NOTYET)),
    ("meetings", (Indicator.MEETINGS_HELD,)),
)


def e(text: str) -> str:
    return escape(text, quote=True)


def render_html(report: ProgrammeReport, language: str) -> str:
    with use_language(language):
        return "".join(_document(report))


def _indicators(report: ProgrammeReport) -> list[Indicator]:
    """The report's indicators in the definitions' order, the programme audience's only."""
    return [i for i, d in DEFINITIONS.items() if d.audience == "programme" and i in report.tables]


def _document(report: ProgrammeReport) -> Iterator[str]:
    title = _("Programme report")
    when = _("From {start} to {end}").format(start=w.day(report.start), end=w.day(report.end))
    yield (
        f'<!DOCTYPE html>\n<html lang="{e(current_language())}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · {e(when)}</title><style>{STYLE}</style></head><body>"
    )
    yield from _header(report, title, when)
    yield from _key_numbers(report)
    yield from _charts(report)
    yield from _programme_table(report)
    rows = _part_rows(report)
    for table in ("country", "region", "curriculum", "language"):
        if not (report.country and table == "country"):
            yield from _parts(report, table, rows.get(table, set()))
    yield from _groups(report)
    yield from _definitions(report)
    yield "</body></html>\n"


def _header(report: ProgrammeReport, title: str, when: str) -> Iterator[str]:
    n = len(report.groups)
    facts = [when, ngettext("{n} group", "{n} groups", n).format(n=w.number(n))]
    if report.country:
        facts.append(_("Country: {name}").format(name=w.country_name(report.country)))
    facts.append(_("Figures by month") if report.period_kind == "month" else _("Figures by week"))
    yield f"<header><h1>{e(title)}</h1><p class='facts'>"
    yield " · ".join(e(f) for f in facts)
    yield "</p>"
    yield (
        f'<p id="hidden" class="about-hidden"><strong>{HIDDEN}</strong> '
        + e(
            _(
                "means hidden. Every count under {n} is hidden, so that nobody can be singled "
                "out; some larger counts are hidden too, so that no hidden count can be worked "
                "out from the totals shown. A hidden count may be small or large."
            ).format(n=w.number(report.min_count))
        )
        + "</p>"
    )
    sections = [
        ("key", _("Key numbers")),
        ("charts", _("Over time")),
        ("programme", _("Whole programme")),
    ]
    for table in ("country", "region", "curriculum", "language"):
        if not (report.country and table == "country"):
            sections.append((f"by-{table}", w.table_title(table)))
    sections += [("groups", _("Groups")), ("definitions", _("What the indicators mean"))]
    contents = _("Contents")
    yield f"<nav aria-label='{e(contents)}'><ol>"
    yield "".join(f'<li><a href="#{anchor}">{e(name)}</a></li>' for anchor, name in sections)
    yield "</ol></nav></header>"


# Small pieces of markup; every text through e(). gettext calls stay outside f-strings, where
# the catalog extractor would not see them.
def _section(anchor: str, title: str) -> str:
    return f'<section id="{anchor}" class="major"><h2>{e(title)}</h2>'


def _note(text: str) -> str:
    return f'<p class="note">{e(text)}</p>'


def _column_head(text: str) -> str:
    return f"<th scope='col'>{e(text)}</th>"


def _shown(value: int | None) -> str:
    return HIDDEN if value is None else w.number(value)


def _key_numbers(report: ProgrammeReport) -> Iterator[str]:
    yield _section("key", _("Key numbers")) + '<div class="cards">'
    for ind in _indicators(report):
        value = report.total(ind)
        yield f'<div class="card" data-indicator="{ind.value}"><h3>{e(indicator_name(ind))}</h3>'
        yield f'<p class="big{" hidden" if value is None else ""}">{_shown(value)}</p>'
        if (note := whole_note(ind)) is not None:
            yield f'<p class="of">{e(note)}</p>'
        denominator = DEFINITIONS[ind].denominator
        if denominator is not None and denominator in report.tables and w.rate_shown(ind):
            whole = report.total(denominator)
            if value is not None and whole:
                line = _("out of {total} ({percent})").format(
                    total=w.number(whole), percent=w.percent(value, whole)
                )
            else:
                line = _("out of {total}").format(total=_shown(whole))
            yield f'<p class="of">{e(line)}<br><span>{e(indicator_name(denominator))}</span></p>'
        yield "</div>"
    yield "</div></section>"


def _charts(report: ProgrammeReport) -> Iterator[str]:
    yield _section("charts", _("Over time"))
    axis = [w.period_axis(p, report.period_kind) for p in report.periods]
    titles = {
        "enrolled-reached": _("Members enrolled and reached"),
        "checkins": _("Check-ins: done, partly, not yet"),
        "meetings": _("Meetings held"),
    }
    for chart_id, indicators in CHARTS:
        series = [
            Series(indicator_name(i), tuple(report.total(i, p) for p in report.periods))
            for i in indicators
            if i in report.tables
        ]
        if not series:
            continue
        label = titles[chart_id]
        yield f"<figure><figcaption>{e(label)}</figcaption>"
        yield bar_chart(f"chart-{chart_id}", label, axis, series, w.number)
        yield "</figure>"
    yield _note(_("No bar, only “–”: the count is hidden.")) + "</section>"


def _programme_table(report: ProgrammeReport) -> Iterator[str]:
    yield _section("programme", _("Whole programme"))
    yield from _table(report, SHARED, TOTAL, _("Whole programme"))
    yield "</section>"


def _part_rows(report: ProgrammeReport) -> dict[str, set[str]]:
    """The rows of every table but the groups', from the shown indicators' cells: one pass
    (a thousand groups over a year make a few hundred thousand cells per indicator)."""
    rows: dict[str, set[str]] = {}
    for indicator in _indicators(report):
        for table, row, _column in report.tables[indicator].cells:
            if table not in ("groups", SHARED):
                rows.setdefault(table, set()).add(row)
    return rows


def _parts(report: ProgrammeReport, table: str, found: set[str]) -> Iterator[str]:
    yield f'<section id="by-{table}" class="major"><h2>{e(w.table_title(table))}</h2>'
    rows = sorted(found, key=lambda row: w.part_name(table, row).casefold())
    if not rows:
        yield _note(_("Nothing to show."))
    for row in rows:
        name = w.part_name(table, row)
        yield f'<div class="block"><h3>{e(name)}</h3>'
        yield from _table(report, table, row, name)
        yield "</div>"
    yield "</section>"


def _groups(report: ProgrammeReport) -> Iterator[str]:
    yield _section("groups", _("Groups"))
    if not report.groups:
        yield _note(_("No group in this report."))
    for g in sorted(report.groups, key=lambda g: (g.name.casefold(), g.id)):
        yield f'<div class="block group" id="group-{g.id}"><h3>{e(g.name)}</h3>'
        yield f'<p class="meta">{_group_facts(g)}</p>'
        yield from _table(report, "groups", str(g.id), g.name)
        yield "</div>"
    yield "</section>"


def _group_facts(g: GroupInfo) -> str:
    facts = [
        _("Country: {name}").format(name=w.country_name(g.country)),
        _("Region: {name}").format(name=w.part_name("region", g.region)),
        _("Curriculum: {name}").format(name=w.part_name("curriculum", g.curriculum)),
        _("Language: {name}").format(name=w.language_name(g.language)),
    ]
    return " · ".join(e(f) for f in facts)


def _cell_key(table: str, row: str, column: str) -> Cell:
    return (SHARED, TOTAL, column) if table == SHARED else (table, row, column)


def _cell(p: Protected, table: str, row: str, column: str) -> str:
    key = _cell_key(table, row, column)
    value = p.cells[key]
    if value is None:
        return f'<td class="hidden">{HIDDEN}</td>'
    if key in p.not_applicable:
        return f'<td class="na">{w.number(value)}</td>'
    return f"<td>{w.number(value)}</td>"


def _table(report: ProgrammeReport, table: str, row: str, name: str) -> Iterator[str]:
    """Rows: the indicators that have this table; columns: the periods, in tables of at most
    COLUMNS_PER_TABLE, the total after the last. A note under it when it hides a count."""
    whole = _cell_key(table, row, TOTAL)
    indicators = [i for i in _indicators(report) if whole in report.tables[i].cells]
    periods = list(report.periods)
    chunks = [periods[k : k + COLUMNS_PER_TABLE] for k in range(0, len(periods), COLUMNS_PER_TABLE)]
    hides = False
    for n, chunk in enumerate(chunks):
        columns = chunk + ([TOTAL] if n == len(chunks) - 1 else [])
        yield f"<table><caption>{e(name)}</caption><thead><tr>"
        yield _column_head(_("Indicator"))
        for c in columns:
            if c == TOTAL:
                yield _column_head(_("Total"))
            else:
                detail = w.period_detail(c, report.period_kind)
                head = w.period_title(c, report.period_kind)
                yield f"<th scope='col' title='{e(detail)}'>{e(head)}</th>"
        yield "</tr></thead><tbody>"
        for ind in indicators:
            p = report.tables[ind]
            cells = [_cell(p, table, row, c) for c in columns]
            hides = hides or any('class="hidden"' in c for c in cells)
            mark = _TOTAL_MARK if whole_note(ind) else ""
            yield f"<tr><th scope='row'>{e(indicator_name(ind))}{mark}</th>{''.join(cells)}</tr>"
        yield "</tbody></table>"
    notes = []
    if hides:
        notes.append(f'<a href="#hidden">{HIDDEN}</a> ' + e(_("hidden (see the note at the top)")))
    if any(
        _cell_key(table, row, c) in report.tables[i].not_applicable
        for i in indicators
        for c in periods
    ):
        notes.append(
            e(
                _(
                    "A 0 in grey italics: nothing could be counted (not running in that "
                    "period, or, for partners, no couples track)."
                )
            )
        )
    if notes:
        yield f'<p class="note">{" · ".join(notes)}</p>'


def _definitions(report: ProgrammeReport) -> Iterator[str]:
    yield _section("definitions", _("What the indicators mean"))
    heads = (_("Indicator"), _("Meaning"), _("Counted in"), _("Shown out of"))
    yield "<table class='definitions'><thead><tr>"
    yield "".join(_column_head(h) for h in heads) + "</tr></thead><tbody>"
    for ind in _indicators(report):
        d = DEFINITIONS[ind]
        yield (
            f"<tr><th scope='row'>{e(indicator_name(ind))}</th>"
            f"<td>{e(w.indicator_meaning(ind))}</td><td>{e(w.unit_name(d.unit))}</td>"
            f"<td>{e(w.denominator_name(ind) or '')}</td></tr>"
        )
    yield "</tbody></table>"
    notes = [_("The total of a row is the sum of its periods, except where marked †:")]
    notes += [
        f"{indicator_name(i)}. {note}"
        for i in _indicators(report)
        if (note := whole_note(i)) is not None
    ]
    yield '<div id="totals">' + "".join(_note(n) for n in notes) + "</div></section>"
