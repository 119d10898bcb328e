"""Small counts kept from being worked out: primary and complementary suppression for the
tables of one programme indicator (no SQL, no Telegram).

The tables. ``groups``: one row per group, one column per period, each row's total and each
period's total. A table per *partition* of the groups (region, curriculum): each of its rows is
the sum of its groups' rows. *Side* tables (language): rows of another kind, with the same
period totals. All of them share the row of period totals and the grand total.

What is hidden. Every count under ``min_count``, zero included and totals included (primary).
A hidden count is safe when another set of tables, with every published number the same, every
sum still true and no count negative, differs in it: then nothing published tells which set is
true. For each hidden count Foyer finds such a *move*, +1 and -1 on hidden counts only:

- two groups exchange one between two periods (or between a period and their totals); when
  the two lie in different regions (curricula), those regions' rows move with them;
- two rows of a side table do the same;
- one group changes a period's total, and one row of each side table changes with it;
- two groups cross: one up in a period, the other down in another (each with its row's
  total), so two periods' totals change and the grand total does not.

A move changes every count it touches, so it protects all of them at once. While some hidden
count has none, the cheapest move for it is taken and the counts it touches are hidden too:
complementary suppression. Cheapest: the grand total left shown if at all possible, then as
few periods' totals newly hidden as possible (they are what a report is read for), then the
fewest counts, then the smallest. When no move exists
(a single group and no side table, say), everything is hidden.

What this does not cover: what the readers know from elsewhere (a facilitator's own group
report, which has weeks, not months); a hidden count is shown as hidden, never as "<N" (a
complementary one may be large, and "<N" would be false).
"""

from __future__ import annotations

from bot.domain.suppression_moves import Search, feasible
from bot.domain.suppression_tables import (
    SHARED,
    TOTAL,
    Cell,
    Grid,
    Move,
    Protected,
    Tables,
    all_counts,
    not_applicable,
    one_period,
)

__all__ = [
    "SHARED",
    "TOTAL",
    "Cell",
    "Grid",
    "Move",
    "Protected",
    "Tables",
    "all_counts",
    "feasible",
    "not_applicable",
    "one_period",
    "protect",
    "protect_apart",
]


def protect(t: Tables, min_count: int) -> Protected:
    values = all_counts(t)
    fixed = not_applicable(t)
    primary = {cell for cell, v in values.items() if v < min_count and cell not in fixed}
    search = Search(t, values, fixed, primary)
    safe: set[Cell] = set()
    for cell in sorted(primary):
        if cell in safe:
            continue
        move = search.cheapest(cell)
        if move is None:  # nothing can protect it: publish nothing of this indicator
            search.hide(set(values) - fixed)
            break
        search.hide(move.keys())
        safe |= move.keys()
    hidden = search.hidden
    cells = {cell: (None if cell in hidden else v) for cell, v in values.items()}
    return Protected(cells, frozenset(primary), frozenset(hidden - primary), fixed)


def protect_apart(t: Tables, min_count: int, whole: Tables | None = None) -> Protected:
    """People counted in each period, one person in several periods (a man reached in March
    and in April): a row's periods add up to nothing published, so each period is protected
    as a table of its own. The totals column is ``whole``'s (a one-period table of people
    counted once over the report, protected the same way) or, with none, the last period's
    (a count at the report's end). Each column is still a sum of its groups, parts and side
    rows, which is all a reader can work with: that a man counted once is at most the sum of
    his periods gives bounds, never a hidden count."""
    columns = [(p, one_period(t, p), p) for p in t.groups.periods]
    if whole is not None:
        columns.append((TOTAL, whole, whole.groups.periods[0]))
    else:
        last = t.groups.periods[-1]
        columns.append((TOTAL, one_period(t, last), last))
    cells: dict[Cell, int | None] = {}
    primary: set[Cell] = set()
    complementary: set[Cell] = set()
    fixed: set[Cell] = set()
    for column, tables, label in columns:
        done = protect(tables, min_count)
        for (table, row, col), value in done.cells.items():
            if col != label:  # the one period's totals: the same counts again
                continue
            key = (table, row, column)
            cells[key] = value
            for found, into in (
                (done.primary, primary),
                (done.complementary, complementary),
                (done.not_applicable, fixed),
            ):
                if (table, row, col) in found:
                    into.add(key)
    return Protected(cells, frozenset(primary), frozenset(complementary), frozenset(fixed))
