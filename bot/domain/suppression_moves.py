"""The moves that keep a hidden count safe (bot/domain/suppression.py says what a move is):
the search for the cheapest one for a count, over a few partner groups, periods and sides."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from bot.domain.suppression_tables import SHARED, TOTAL, Cell, Move, Tables


def feasible(move: Move, values: Mapping[Cell, int]) -> bool:
    """Whether the move, one way or the other, leaves no count negative."""
    return all(values[c] + d >= 0 for c, d in move.items()) or all(
        values[c] - d >= 0 for c, d in move.items()
    )


class Search:
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
