"""The programme report as a tidy CSV: one row per indicator x disaggregation x unit x period,
every count already protected (a hidden one is an empty value with hidden=true, never its
true value, never "<N").

Spreadsheets are the readers. The file starts with a UTF-8 byte-order mark: without it,
Excel on a French or Spanish Windows reads a CSV as Windows-1252 and "Ségou" becomes
"SÃ©gou". Excel splits a double-clicked CSV on the list separator of Windows' regional
settings, which is ';' wherever the decimal separator is ',' (French, Spanish, Malian), so
the separator follows the reader's language (``delimiter_for``). A text cell a spreadsheet
would run as a formula (a group called "=HYPERLINK(...)") is written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.domain.indicators import DEFINITIONS, Indicator, Whole
from bot.domain.suppression import SHARED, TOTAL, Protected
from bot.reports.programme import ProgrammeReport

COLUMNS = ("indicator", "disaggregation", "unit", "unit_name", "period", "value", "hidden")
BOM = "\ufeff"
# The period column of the whole report's count, by how it is made (DEFINITIONS' ``whole``):
# the periods added up, people counted once over the report, or the count at its end.
TOTAL_PERIOD: dict[Whole, str] = {"sum": "total", "once": "total_once", "end": "end"}

# The disaggregations in the order they are written: the tables of bot/domain/suppression.py
# ("groups" is the table of groups; SIDES and PARTITIONS of bot/domain/indicators.py).
DISAGGREGATIONS = ("programme", "group", "country", "region", "curriculum", "language")
_TABLE = {"group": "groups"}

# Excel's list separator for the reader's language: ',' only where ',' is not the decimal one.
_COMMA_LANGUAGES = frozenset({"en"})

# What a spreadsheet takes for the start of a formula (OWASP's list, and the full-width forms
# some Excel versions also read as one).
_FORMULA_STARTS = tuple("=+-@\t\r") + tuple("＝＋－＠")


def delimiter_for(language: str) -> str:
    return "," if language in _COMMA_LANGUAGES else ";"


def spreadsheet_safe(text: str) -> str:
    """A text cell no spreadsheet runs as a formula: a leading quote makes it text."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def render_csv(report: ProgrammeReport, *, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    out = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    out.writerow(COLUMNS)
    for row in rows(report):
        out.writerow(row)
    return buf.getvalue().encode("utf-8")


def rows(report: ProgrammeReport) -> Iterator[tuple[str, str, str, str, str, str, str]]:
    """The CSV's rows after the header, text cells made spreadsheet-safe."""
    names = {str(g.id): g.name for g in report.groups}
    columns = [*report.periods, TOTAL]
    for indicator in Indicator:
        protected = report.tables.get(indicator)
        if protected is None or DEFINITIONS[indicator].audience != "programme":
            continue  # a safeguarding count never leaves in a programme report
        total = TOTAL_PERIOD[DEFINITIONS[indicator].whole]
        for disaggregation in DISAGGREGATIONS:
            for unit in _units(protected, disaggregation, names):
                name = names.get(unit, "") if disaggregation == "group" else ""
                for column in columns:
                    if disaggregation == "programme":
                        value = protected.cells[SHARED, TOTAL, column]
                    else:
                        table = _TABLE.get(disaggregation, disaggregation)
                        value = protected.cells[table, unit, column]
                    yield (
                        indicator.value,
                        disaggregation,
                        spreadsheet_safe(unit),
                        spreadsheet_safe(name),
                        total if column == TOTAL else column,
                        "" if value is None else str(value),
                        "true" if value is None else "false",
                    )


def _units(protected: Protected, disaggregation: str, names: dict[str, str]) -> list[str]:
    """The rows of one disaggregation's table: groups in the report's order, others sorted."""
    if disaggregation == "programme":
        return [""]
    table = _TABLE.get(disaggregation, disaggregation)
    present = {row for t, row, _ in protected.cells if t == table}
    if disaggregation == "group":
        return [g for g in names if g in present] + sorted(present - names.keys())
    return sorted(present)
