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

from collections.abc import Iterable, Iterator, Mapping, Sequence
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


def protect(t: Tables, min_count: int) -> Protected:
    values = all_counts(t)
    fixed = not_applicable(t)
    primary = {cell for cell, v in values.items() if v < min_count and cell not in fixed}
    search = _Search(t, values, fixed, primary)
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


def one_period(t: Tables, period: str) -> Tables:
    """The tables of one period alone: its groups, parts and side rows still add up."""

    def cut(g: Grid) -> Grid:
        return Grid(g.rows, (period,), {k: n for k, n in g.counts.items() if k[1] == period})

    return Tables(cut(t.groups), t.partitions, {name: cut(s) for name, s in t.sides.items()})


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


def feasible(move: Move, values: Mapping[Cell, int]) -> bool:
    """Whether the move, one way or the other, leaves no count negative."""
    return all(values[c] + d >= 0 for c, d in move.items()) or all(
        values[c] - d >= 0 for c, d in move.items()
    )


class _Search:
    """The moves that change one count, a free one (touching only hidden counts) if there is
    one, else the cheapest among a bounded few."""

    # Groups tried as the second of a pair when no free move exists: enough to find a cheap
    # one, few enough that a thousand groups and thousands of small counts stay fast.
    PARTNERS = 24
    CROSSING = 6  # groups each way tried for a crossed move, per other period

    def __init__(
        self, t: Tables, values: dict[Cell, int], fixed: frozenset[Cell], hidden: set[Cell]
    ) -> None:
        self.t = t
        self.values = values
        self.fixed = fixed
        self.periods = t.groups.periods
        self.columns = (*t.groups.periods, TOTAL)
        self.groups = t.groups.rows
        self.blocks: dict[tuple[str, ...], list[str]] = {}
        for g in self.groups:
            self.blocks.setdefault(self._block(g), []).append(g)
        self.hidden: set[Cell] = set()
        self.hidden_in_row: dict[str, set[str]] = {g: set() for g in self.groups}
        self.hidden_in_col: dict[str, set[str]] = {c: set() for c in self.columns}
        self.hide(hidden)

    def hide(self, cells: Iterable[Cell]) -> None:
        for cell in cells:
            self.hidden.add(cell)
            table, row, col = cell
            if table == "groups":
                self.hidden_in_row[row].add(col)
                self.hidden_in_col[col].add(row)

    def _block(self, g: str) -> tuple[str, ...]:
        """The parts a group lies in: a pair inside one block moves no partition's row."""
        return tuple(part_of[g] for part_of in self.t.partitions.values())

    def cheapest(self, cell: Cell) -> Move | None:
        if (free := self._free(cell)) is not None:
            return free
        best = self._best(self._moves(cell))
        if cell[2] != TOTAL and (best is None or best[0][0] or best[0][1]):
            # Only the grand total would do: two groups instead, one up in this period, the
            # other down in another, the grand total unchanged.
            crossed = self._best(self._crossed(cell))
            if crossed is not None and (best is None or crossed[0] < best[0]):
                best = crossed
        return best[1] if best is not None else None

    def _best(self, moves: Iterable[Move]) -> tuple[tuple[bool, int, int, int], Move] | None:
        best: tuple[tuple[bool, int, int, int], Move] | None = None
        for move in moves:
            if any(c in self.fixed for c in move) or not feasible(move, self.values):
                continue
            new = [c for c in move if c not in self.hidden]
            # The programme's totals are what a report is read for: hide the grand total, then
            # a period's total, only when nothing else will do; then as few and small as can be.
            cost = (
                (SHARED, TOTAL, TOTAL) in new,
                sum(1 for c in new if c[0] == SHARED),
                len(new),
                sum(self.values[c] for c in new),
            )
            if best is None or cost < best[0]:
                best = (cost, move)
                if cost[:2] == (False, 0) and cost[2] <= 1:  # as good as a search finds, mostly
                    break
        return best

    def _free(self, cell: Cell) -> Move | None:
        """A move of a group's count with a partner already hidden, found through the
        indexes of hidden counts (most small counts have one). Whether a pair can move is
        read from the four counts: a region's count is never smaller than its group's."""
        table, g, col = cell
        if table != "groups":
            return None
        x = self.values
        for col2 in self.hidden_in_row[g] - {col}:
            c1, c2 = (col2, TOTAL) if col == TOTAL else (col, col2)
            together = TOTAL in (c1, c2)  # both counts of a row move the same way
            mine1, mine2 = x["groups", g, c1], x["groups", g, c2]
            for g2 in (self.hidden_in_col[c1] & self.hidden_in_col[c2]) - {g}:
                its1, its2 = x["groups", g2, c1], x["groups", g2, c2]
                if together:
                    ok = (its1 >= 1 and its2 >= 1) or (mine1 >= 1 and mine2 >= 1)
                else:
                    ok = (mine2 >= 1 and its1 >= 1) or (mine1 >= 1 and its2 >= 1)
                if not ok:
                    continue
                move = self._pair(g, g2, {c1: 1, c2: 1 if together else -1})
                if all(c in self.hidden for c in move):
                    return move
        return None

    # -- the moves -------------------------------------------------------------------------

    def _vectors(self, col: str, row: str = "") -> Iterator[dict[str, int]]:
        """Changes of one row that keep its sum true and touch ``col``: with the row's
        counts already hidden first."""
        hidden = self.hidden_in_row.get(row, set())
        others = sorted((c for c in self.columns if c != col), key=lambda c: c not in hidden)
        for other in others:
            if col == TOTAL:
                yield {other: 1, TOTAL: 1}
            elif other == TOTAL:
                yield {col: 1, TOTAL: 1}
            else:
                yield {col: 1, other: -1}

    def _pair(self, g1: str, g2: str, v: dict[str, int]) -> Move:
        move: Move = {}
        for col, s in v.items():
            move["groups", g1, col] = s
            move["groups", g2, col] = -s
            for name, part_of in self.t.partitions.items():
                p1, p2 = part_of[g1], part_of[g2]
                if p1 != p2:
                    move[name, p1, col] = s
                    move[name, p2, col] = -s
        return move

    def _side_pair(self, name: str, r1: str, r2: str, v: dict[str, int]) -> Move:
        move: Move = {}
        for col, s in v.items():
            move[name, r1, col] = s
            move[name, r2, col] = -s
        return move

    def _total(self, g: str, v: dict[str, int], side_rows: Mapping[str, str]) -> Move:
        move: Move = {}
        for col, s in v.items():
            move["groups", g, col] = s
            move[SHARED, TOTAL, col] = s
            for name, part_of in self.t.partitions.items():
                move[name, part_of[g], col] = s
            for name, row in side_rows.items():
                move[name, row, col] = s
        return move

    def _side_choices(self, fixed: Mapping[str, str]) -> Iterator[dict[str, str]]:
        """One row of each side table (``fixed`` ones given)."""
        choices: list[dict[str, str]] = [dict(fixed)]
        for name, side in self.t.sides.items():
            if name in fixed:
                continue
            choices = [{**c, name: row} for c in choices for row in side.rows]
        yield from choices

    def _partners(self, g: str, col: str, among: Sequence[str]) -> list[str]:
        """A few groups to pair with ``g`` (of ``among``): those with ``col`` hidden, then
        those in g's parts, then the ones with the most at ``col`` (a move must take one
        from somewhere)."""
        # A group not running at ``col`` cannot move there.
        among = [g2 for g2 in among if ("groups", g2, col) not in self.fixed]
        allowed = set(among)
        firsts = sorted(self.hidden_in_col[col] & allowed)[: self.PARTNERS]
        if g and self.t.partitions:
            firsts += [g2 for g2 in self.blocks[self._block(g)] if g2 in allowed][: self.PARTNERS]
        # The most at ``col``, then the most in all: a move takes one from somewhere, and a
        # period nobody counted in (no partner joined in December) has it only elsewhere.
        x = self.values
        richest = sorted(among, key=lambda g2: (-x["groups", g2, col], -x["groups", g2, TOTAL]))
        out: list[str] = []
        for g2 in [*firsts, *richest[: self.PARTNERS]]:
            if g2 != g and g2 not in out:
                out.append(g2)
        return out

    def _others(self, col: str) -> list[str]:
        """The columns to move a period's total against: those whose total is hidden already
        first (nothing more to hide there), then the smallest."""
        x = self.values
        return sorted(
            (c for c in self.columns if c != col),
            key=lambda c: ((SHARED, TOTAL, c) not in self.hidden, x[SHARED, TOTAL, c]),
        )

    def _spanning(self, col: str, other: str) -> list[str]:
        """A few groups running in both columns that have one to move: those whose counts
        there are hidden already first."""
        x, fixed = self.values, self.fixed
        found = [
            g
            for g in self.groups
            if ("groups", g, col) not in fixed
            and ("groups", g, other) not in fixed
            and (x["groups", g, col] >= 1 or x["groups", g, other] >= 1)
        ]
        found.sort(key=lambda g: self._shown_among(g, (col, other)))
        return found[: self.PARTNERS]

    def _shown_among(self, g: str, cols: Iterable[str]) -> int:
        return sum(1 for c in cols if c not in self.hidden_in_row[g])

    def _crossed(self, cell: Cell) -> Iterator[Move]:
        """A group of the cell's one more in its period, another group one fewer in another
        period: every period's total but those two, and the grand total, unchanged. For a
        period whose groups have nothing elsewhere (no partner ever joins a men's group that
        runs in December)."""
        table, row, col = cell
        x, fixed = self.values, self.fixed
        ups = [g for g in self.groups if ("groups", g, col) not in fixed]
        keep: dict[str, str] = {}
        if table == "groups":
            ups = [row]
        elif table in self.t.partitions:
            ups = [g for g in ups if self.t.partitions[table][g] == row]
        elif table != SHARED:
            keep = {table: row}
        ups.sort(key=lambda g: self._shown_among(g, (col, TOTAL)))
        for other in self._others(col):
            if other == TOTAL:
                continue
            downs = [
                g
                for g in self.groups
                if ("groups", g, other) not in fixed and x["groups", g, other] >= 1
            ]
            downs.sort(key=lambda g: self._shown_among(g, (other, TOTAL)))
            for a in ups[: self.CROSSING]:
                for b in downs[: self.CROSSING]:
                    if a == b:
                        continue
                    for sides in self._side_choices(keep):
                        up = self._total(a, {col: 1, TOTAL: 1}, sides)
                        yield _merged(up, self._total(b, {other: -1, TOTAL: -1}, sides))

    def _moves(self, cell: Cell) -> Iterator[Move]:
        table, row, col = cell
        if table == "groups":
            partners = self._partners(row, col, self.groups)
            for v in self._vectors(col, row):
                for g2 in partners:
                    yield self._pair(row, g2, v)
                for sides in self._side_choices({}):
                    yield self._total(row, v, sides)
        elif table == SHARED:
            for other in self._others(col):
                v = {other: 1, TOTAL: 1} if col == TOTAL else _vector(col, other)
                for g in self._spanning(col, other):
                    for sides in self._side_choices({}):
                        yield self._total(g, v, sides)
        elif table in self.t.partitions:
            part_of = self.t.partitions[table]
            inside = [g for g in self.groups if part_of[g] == row]
            outside = [g for g in self.groups if part_of[g] != row]
            for g1 in self._partners("", col, inside):
                partners = self._partners(g1, col, outside)
                for v in self._vectors(col):
                    for g2 in partners:
                        yield self._pair(g1, g2, v)
                    for sides in self._side_choices({}):
                        yield self._total(g1, v, sides)
        else:
            side = self.t.sides[table]
            partners = self._partners("", col, self.groups)
            for v in self._vectors(col):
                for r2 in side.rows:
                    if r2 != row:
                        yield self._side_pair(table, row, r2, v)
                for g in partners:
                    for sides in self._side_choices({table: row}):
                        yield self._total(g, v, sides)


def _vector(col: str, other: str) -> dict[str, int]:
    """One up in ``col``, one down in ``other`` (or up in the total with it)."""
    return {col: 1, TOTAL: 1} if other == TOTAL else {col: 1, other: -1}


def _merged(*moves: Move) -> Move:
    out: Move = {}
    for move in moves:
        for cell, d in move.items():
            out[cell] = out.get(cell, 0) + d
    return {cell: d for cell, d in out.items() if d}
