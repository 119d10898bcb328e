"""What the content checks report: one problem, as `file:week:field: problem`, and the report
of a whole check."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    week: str  # a week number, or "-" for the whole file
    field: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.week}:{self.field}: {self.text}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    # Not failures: partial languages' strings awaiting review, resources due for a new check.
    flagged: list[Problem] = field(default_factory=list)
    curricula: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sort_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, int(p.week) if p.week.isdigit() else 0, p.field, p.text)


def problem_from_line(line: str) -> Problem:
    """'file:week:field: text' (what a CatalogError says) as a Problem."""
    head, _, text = line.partition(": ")
    file, week, fld = [*head.rsplit(":", 2), "-", "-"][:3]
    return Problem(file, week, fld, text)
