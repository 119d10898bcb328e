"""Complementary suppression (bot/domain/suppression.py): for random tables, what is published
lets no hidden count be worked out.

The judge is independent of how Foyer chose what to hide: a linear program (scipy's HiGHS)
given everything published (the shown counts, every sum the tables hold, no count negative)
finds the smallest and the largest value each hidden count could have. If they differ, the
count cannot be recovered. The sums form a network matrix, so the extremes are whole numbers:
two different tables of people, both matching what was published.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from bot.domain.suppression import (
    SHARED,
    TOTAL,
    Cell,
    Grid,
    Tables,
    all_counts,
    one_period,
    protect,
    protect_apart,
)


def relations(t: Tables, cells: list[Cell]) -> list[dict[Cell, int]]:
    """Every sum the published tables hold, as linear equations equal to zero."""
    g = t.groups
    cols = [*g.periods, TOTAL]
    eqs: list[dict[Cell, int]] = []
    for row in g.rows:
        eqs.append({**{("groups", row, p): 1 for p in g.periods}, ("groups", row, TOTAL): -1})
    for col in cols:
        eqs.append({**{("groups", row, col): 1 for row in g.rows}, (SHARED, TOTAL, col): -1})
    eqs.append({**{(SHARED, TOTAL, p): 1 for p in g.periods}, (SHARED, TOTAL, TOTAL): -1})
    for name, part_of in t.partitions.items():
        for part in set(part_of.values()):
            for col in cols:
                eq = {("groups", row, col): 1 for row in g.rows if part_of[row] == part}
                eqs.append({**eq, (name, part, col): -1})
    for name, side in t.sides.items():
        for row in side.rows:
            eqs.append({**{(name, row, p): 1 for p in side.periods}, (name, row, TOTAL): -1})
        for col in cols:
            eqs.append({**{(name, row, col): 1 for row in side.rows}, (SHARED, TOTAL, col): -1})
    known = set(cells)
    assert all(c in known for eq in eqs for c in eq)
    return eqs


def extremes(t: Tables, shown: dict[Cell, int | None], target: Cell) -> tuple[float, float]:
    cells = sorted(shown)
    index = {c: i for i, c in enumerate(cells)}
    a_eq, b_eq = [], []
    for eq in relations(t, cells):
        row = [0.0] * len(cells)
        for c, k in eq.items():
            row[index[c]] = k
        a_eq.append(row)
        b_eq.append(0.0)
    bounds = [(v, v) if (v := shown[c]) is not None else (0, None) for c in cells]
    out = []
    for sign in (1, -1):
        objective = [0.0] * len(cells)
        objective[index[target]] = sign
        res = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 3:  # unbounded: only for the largest
            out.append(-math.inf * sign)
            continue
        assert res.status == 0, res.message  # the true tables are always a solution
        out.append(sign * res.fun)
    return out[0], out[1]


@st.composite
def tables(draw: st.DrawFn) -> Tables:
    n_groups = draw(st.integers(1, 5))
    n_periods = draw(st.integers(1, 3))
    groups = tuple(f"g{i}" for i in range(n_groups))
    periods = tuple(f"2026-{m:02d}" for m in range(1, n_periods + 1))
    small = st.integers(0, 9)
    # A pair left out is not applicable (a group not started yet): zero, shown, fixed.
    counts = {(g, p): draw(small) for g in groups for p in periods if draw(st.integers(0, 5))}
    partitions = {}
    if draw(st.booleans()):
        partitions["region"] = {
            g: draw(st.sampled_from(["north", "south", "east"])) for g in groups
        }
    sides = {}
    if draw(st.booleans()):
        langs = tuple(draw(st.lists(st.sampled_from(["bm", "fr", "en"]), min_size=1, unique=True)))
        split: dict[tuple[str, str], int] = {}
        for p in periods:
            left = sum(counts.get((g, p), 0) for g in groups)
            for lang in langs[:-1]:
                split[lang, p] = draw(st.integers(0, left))
                left -= split[lang, p]
            split[langs[-1], p] = left
        sides["language"] = Grid(langs, periods, split)
    return Tables(Grid(groups, periods, counts), partitions, sides)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.integers(2, 4))
def test_no_hidden_count_can_be_worked_out(t: Tables, min_count: int) -> None:
    values = all_counts(t)
    result = protect(t, min_count)
    assert set(result.cells) == set(values)
    for cell, v in values.items():
        shown = result.cells[cell]
        if cell in result.not_applicable:
            assert shown == 0, cell
        elif v < min_count:
            assert shown is None, cell  # every small count hidden, totals and zeros too
        assert shown is None or shown == v  # and the others as they are
    for cell, shown in result.cells.items():
        if shown is None:
            low, high = extremes(t, result.cells, cell)
            assert high - low >= 1, (cell, values[cell], low, high)


@st.composite
def apart(draw: st.DrawFn) -> tuple[Tables, Tables | None]:
    """People counted per period, and maybe counted once over the report ("whole"): the same
    groups, parts and languages; each group applicable over the whole report."""
    t = draw(tables())
    if draw(st.booleans()):
        return t, None
    counts = {(g, "whole"): draw(st.integers(0, 12)) for g in t.groups.rows}
    sides = {}
    if "language" in t.sides:
        langs = t.sides["language"].rows
        left = sum(counts.values())
        split: dict[tuple[str, str], int] = {}
        for lang in langs[:-1]:
            split[lang, "whole"] = draw(st.integers(0, left))
            left -= split[lang, "whole"]
        split[langs[-1], "whole"] = left
        sides["language"] = Grid(langs, ("whole",), split)
    return t, Tables(Grid(t.groups.rows, ("whole",), counts), t.partitions, sides)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(apart(), st.integers(2, 4))
def test_people_counted_per_period_are_protected_column_by_column(
    drawn: tuple[Tables, Tables | None], min_count: int
) -> None:
    """A man reached in March and in April is in both: the periods add up to nothing, so a
    reader has each column's sums only (groups, parts, languages); the totals column is the
    people counted once (or the last period's). The same judge, one column at a time."""
    t, whole = drawn
    result = protect_apart(t, min_count, whole)
    last = t.groups.periods[-1]
    columns = [(p, one_period(t, p), p) for p in t.groups.periods]
    columns.append((TOTAL, whole, "whole") if whole else (TOTAL, one_period(t, last), last))
    for column, sub, label in columns:
        assert sub is not None
        values = all_counts(sub)
        # The column as published; its one period's totals are the same counts again.
        shown = {(tb, row, col): result.cells[tb, row, column] for tb, row, col in values}
        for (tb, row, col), v in values.items():
            if col != label:
                continue
            if (tb, row, column) in result.not_applicable:
                assert shown[tb, row, col] == 0
            elif v < min_count:
                assert shown[tb, row, col] is None, (tb, row, column)
            assert shown[tb, row, col] in (None, v)
        for cell, published in shown.items():
            if published is None and cell[2] == label:
                low, high = extremes(sub, shown, cell)
                assert high - low >= 1, (column, cell, values[cell], low, high)
    if whole is None:  # a count at the report's end is its last period's, hidden alike
        assert all(
            result.cells[c[0], c[1], TOTAL] == v for c, v in result.cells.items() if c[2] == last
        )


def test_a_small_count_beside_its_total_takes_another_with_it() -> None:
    # Two groups, one month: group a's 2 alone hidden would be its total minus nothing.
    t = Tables(Grid(("a", "b"), ("2026-01", "2026-02"), {
        ("a", "2026-01"): 2, ("a", "2026-02"): 9, ("b", "2026-01"): 7, ("b", "2026-02"): 8,
    }))  # fmt: skip
    result = protect(t, 3)
    assert result.primary == {("groups", "a", "2026-01")}
    hidden = {c for c, v in result.cells.items() if v is None}
    assert hidden == {
        ("groups", "a", "2026-01"), ("groups", "a", "2026-02"),
        ("groups", "b", "2026-01"), ("groups", "b", "2026-02"),
    }  # fmt: skip
    assert result.shown("groups", "a", TOTAL) == 11 and result.shown("groups", TOTAL, TOTAL) == 26


def test_nothing_is_published_when_nothing_can_protect_a_small_count() -> None:
    t = Tables(Grid(("a",), ("2026-01",), {("a", "2026-01"): 1}))
    result = protect(t, 3)
    assert all(v is None for v in result.cells.values())


def test_side_tables_must_add_up_to_the_groups() -> None:
    t = Tables(
        Grid(("a",), ("2026-01",), {("a", "2026-01"): 5}),
        sides={"language": Grid(("fr",), ("2026-01",), {("fr", "2026-01"): 4})},
    )
    with pytest.raises(ValueError, match="totals differ"):
        protect(t, 3)


def test_a_zero_period_is_protected_without_hiding_the_grand_total() -> None:
    """December: only men's groups run, and no partner ever joins one, so December's zero
    can only move against another month's partners of a couples group. That group one fewer
    in September, a men's group one more in December: the year's total is still shown."""
    months = ("2026-09", "2026-10", "2026-11", "2026-12")
    couples = {("c1", m): n for m, n in zip(months[:3], (6, 5, 4), strict=True)}
    couples |= {("c2", m): n for m, n in zip(months[:3], (5, 6, 4), strict=True)}
    men = {(g, m): 0 for g in ("m1", "m2") for m in months[1:]}
    t = Tables(Grid(("c1", "c2", "m1", "m2"), months, couples | men))
    result = protect(t, 3)
    assert result.shown(SHARED, TOTAL, "2026-12") is None  # zero: hidden
    assert result.shown(SHARED, TOTAL, TOTAL) == 30  # and the year's total still shown
    for cell, shown in result.cells.items():
        if shown is None:
            low, high = extremes(t, result.cells, cell)
            assert high - low >= 1, cell
