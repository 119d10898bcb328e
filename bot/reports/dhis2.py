"""The programme report as a DHIS2 data value set, in DHIS2's CSV form (Import/Export app,
Data import, CSV): ``dataelement,period,orgunit,catoptcombo,attroptcombo,value``, one row per
indicator x org unit x period, with the org units at the mapping's level.

What is not written: a hidden count (no row: DHIS2 reads a missing value as "not reported",
where a 0 would be a false figure), a group's month it was not running (not applicable: not
reported either), the whole report's totals (DHIS2 adds periods up itself), and any
safeguarding indicator. Plain UTF-8 without a byte-order mark: DHIS2 reads the header by name.
"""

from __future__ import annotations

import csv
import io

from bot.domain.suppression import Protected
from bot.reports.dhis2_mapping import Dhis2Mapping, MappingError, exported, problems, units
from bot.reports.programme import ProgrammeReport

HEADER = ("dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value")

# The report's tables at each level (bot/domain/suppression.py).
_TABLE = {"group": "groups", "region": "region", "country": "country"}


def dhis2_period(label: str) -> str:
    """DHIS2's period: 202612 for the month 2026-12, 2026W9 for the ISO week 2026-W09."""
    year, _, rest = label.partition("-")
    if rest.startswith("W"):
        return f"{year}W{int(rest[1:])}"
    return f"{year}{rest}"


def render_dhis2(report: ProgrammeReport, mapping: Dhis2Mapping, where: str = "mapping") -> bytes:
    """The data value set; every problem of the mapping for this report at once (MappingError)
    and nothing rendered while there is one."""
    found = problems(mapping, report)
    if found:
        raise MappingError(where, found)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(HEADER)
    table = _TABLE[mapping.level]
    for indicator in exported(report):
        element = mapping.element(indicator)
        if element is None:  # left out on purpose
            continue
        protected = report.tables[indicator]
        for unit in units(mapping.level, report.groups):
            org_unit = mapping.org_unit(unit)
            assert org_unit is not None  # problems() found every unmapped one
            for period in report.periods:
                value = _reported(protected, (table, unit, period))
                if value is not None:
                    out.writerow(
                        (
                            element.data_element,
                            dhis2_period(period),
                            org_unit,
                            element.category_option_combo,
                            element.attribute_option_combo,
                            value,
                        )
                    )
    return buf.getvalue().encode("utf-8")


def _reported(protected: Protected, cell: tuple[str, str, str]) -> int | None:
    """The count DHIS2 receives, or None: hidden, or not applicable (no group running)."""
    if cell in protected.not_applicable:
        return None
    return protected.cells.get(cell)
