"""The report's calendar periods (bot/domain/indicators.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.indicators import DEFINITIONS, Indicator, period_of, periods


def test_months_and_iso_weeks_are_labelled_as_dhis2_reads_them() -> None:
    assert periods(date(2026, 11, 30), date(2027, 1, 1), "month") == (
        "2026-11", "2026-12", "2027-01",
    )  # fmt: skip
    # 2026-12-28 is a Monday of ISO week 53; 2027-01-03 its Sunday.
    assert periods(date(2026, 12, 24), date(2027, 1, 4), "week") == (
        "2026-W52", "2026-W53", "2027-W01",
    )  # fmt: skip
    with pytest.raises(ValueError):
        periods(date(2026, 2, 1), date(2026, 1, 1), "month")


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 400),
       st.sampled_from(["month", "week"]))  # fmt: skip
def test_every_day_falls_in_one_listed_period(start: date, days: int, kind: str) -> None:
    end = start + timedelta(days=days)
    listed = periods(start, end, kind)  # type: ignore[arg-type]
    assert list(listed) == sorted(set(listed))
    day = start
    while day <= end:
        assert period_of(day, kind) in listed  # type: ignore[arg-type]
        day += timedelta(days=1)


def test_every_indicator_is_defined_once_with_a_defined_denominator() -> None:
    assert set(DEFINITIONS) == set(Indicator)
    assert all(d.denominator is None or d.denominator in DEFINITIONS for d in DEFINITIONS.values())
