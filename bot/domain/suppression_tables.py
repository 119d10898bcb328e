"""The tables of one indicator as bot/domain/suppression.py protects them: counts by group
and period (Grid), the groups' partitions and side tables (Tables), what is published
(Protected), and the sums every table holds (all_counts). No SQL, no Telegram."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TOTAL = "*"  # the row or column of totals
SHARED = "*"  # the table name of the period totals every table shares

Cell = tuple[str, str, str]  # (table, row, column)
Move = dict[Cell, int]


@dataclass(frozen=True)
class Grid:
    """Counts by row and period. A pair absent from ``counts`` is *not applicable* (a group
    that had not started that month): zero, shown as such, never hidden, never moved."""

    rows: tuple[str, ...]
    periods: tuple[str, ...]
    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def count(self, row: str, period: str) -> int:
        return self.counts.get((row, period), 0)


@dataclass(frozen=True)
class Tables:
    """One indicator's tables, before protection."""

    groups: Grid
    # partition name -> group -> the part it belongs to (e.g. "region" -> {"12": "Ségou"})
    partitions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # side table name -> its grid (same periods; each period's total equal to the groups')
    sides: Mapping[str, Grid] = field(default_factory=dict)


@dataclass(frozen=True)
class Protected:
    """Every count of every table (totals too): its value, or None where hidden."""

    cells: dict[Cell, int | None]
    primary: frozenset[Cell]  # hidden because small
    complementary: frozenset[Cell]  # hidden so that a small one cannot be worked out
    not_applicable: frozenset[Cell]  # groups' cells absent from their counts

    def shown(self, table: str, row: str, column: str) -> int | None:
        key = (SHARED, TOTAL, column) if row == TOTAL else (table, row, column)
        return self.cells[key]


def not_applicable(t: Tables) -> frozenset[Cell]:
    """The groups' cells absent from their counts, and every sum of nothing but those (a
    group that never ran, a month no group ran): zero, and known to be."""
    g = t.groups
    cols = [*g.periods, TOTAL]
    absent = {(row, p) for row in g.rows for p in g.periods if (row, p) not in g.counts}
    for row in g.rows:
        if all((row, p) in absent for p in g.periods):
            absent.add((row, TOTAL))
    out = {("groups", row, col) for row, col in absent}
    for col in cols:
        if all((row, col) in absent for row in g.rows):
            out.add((SHARED, TOTAL, col))
    for name, part_of in t.partitions.items():
        for part in set(part_of.values()):
            for col in cols:
                if all((row, col) in absent for row in g.rows if part_of[row] == part):
                    out.add((name, part, col))
    for name, side in t.sides.items():
        for row in side.rows:
            for col in cols:
                if (SHARED, TOTAL, col) in out:
                    out.add((name, row, col))
    return frozenset(out)


def all_counts(t: Tables) -> dict[Cell, int]:
    """Every count the tables publish, totals computed; the shared period totals once."""
    g = t.groups
    cols = [*g.periods, TOTAL]
    out: dict[Cell, int] = {}
    for row in g.rows:
        for p in g.periods:
            out["groups", row, p] = g.count(row, p)
        out["groups", row, TOTAL] = sum(g.count(row, p) for p in g.periods)
    for col in cols:
        out[SHARED, TOTAL, col] = sum(out["groups", row, col] for row in g.rows)
    for name, part_of in t.partitions.items():
        for row in g.rows:
            for col in cols:
                key = (name, part_of[row], col)
                out[key] = out.get(key, 0) + out["groups", row, col]
    for name, side in t.sides.items():
        if side.periods != g.periods:
            raise ValueError(f"side table {name}: other periods than the groups'")
        for row in side.rows:
            for p in side.periods:
                out[name, row, p] = side.count(row, p)
            out[name, row, TOTAL] = sum(side.count(row, p) for p in side.periods)
        for col in cols:
            if sum(out[name, row, col] for row in side.rows) != out[SHARED, TOTAL, col]:
                raise ValueError(f"side table {name}: its totals differ from the groups'")
    return out


def one_period(t: Tables, period: str) -> Tables:
    """The tables of one period alone: its groups, parts and side rows still add up."""

    def cut(g: Grid) -> Grid:
        return Grid(g.rows, (period,), {k: n for k, n in g.counts.items() if k[1] == period})

    return Tables(cut(t.groups), t.partitions, {name: cut(s) for name, s in t.sides.items()})
