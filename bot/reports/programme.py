"""The programme-wide report's shape: what `foyer report programme` (HTML, CSV, DHIS2) and the
admins' /programme show. Built from the database by bot/reports/programme_build.py; every
count in it already protected (bot/domain/suppression.py): a hidden count is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.indicators import Audience, Indicator, PeriodKind
from bot.domain.suppression import SHARED, TOTAL, Protected

NO_GROUP_ROW = "0"  # the "groups" row of help and concerns from people in no group


@dataclass(frozen=True)
class GroupInfo:
    """A group as the report names it: no person, no chat."""

    id: int
    name: str
    country: str  # ISO code, "" when not set
    region: str  # "" when not set
    curriculum: str
    language: str


@dataclass(frozen=True)
class ProgrammeReport:
    start: date
    end: date
    country: str | None  # the report limited to one country
    period_kind: PeriodKind
    periods: tuple[str, ...]  # "2026-12" / "2026-W49", in order
    groups: tuple[GroupInfo, ...]
    min_count: int
    # One set of protected tables per indicator (the audience's only: a programme report
    # holds no safeguarding indicator). Rows: str(group id) in "groups"; the partitions'
    # values (country code, region, curriculum id) in theirs; language codes in "language".
    tables: dict[Indicator, Protected]
    # "safeguarding" (admins and focal points) adds help_shown and concerns, and a row
    # NO_GROUP_ROW ("0") in "groups" for those of people in no group (never in a country's).
    audience: Audience = "programme"

    def total(self, indicator: Indicator, period: str = TOTAL) -> int | None:
        """The programme's count for a period (or the whole report), None when hidden."""
        return self.tables[indicator].cells[SHARED, TOTAL, period]

    def count(self, indicator: Indicator, table: str, row: str, period: str = TOTAL) -> int | None:
        return self.tables[indicator].shown(table, row, period)
