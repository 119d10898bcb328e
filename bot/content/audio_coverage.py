"""Which items have a recording members can hear, per curriculum and language
(`foyer content audio list`, `foyer content stats`): approved in the library, a file the
curriculum names, a recording waiting for review, or nothing yet. Keys and counts only: no
recorder, no reviewer, no person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.audio import AudioKey
from bot.domain.curriculum import Curriculum
from bot.services.recordings import curriculum_keys, foyer_keys

# The folder of an export that holds Foyer's own screens (a curriculum's are in a folder named
# by its id). Files are known by their names alone, so a folder never decides a key.
FOYER_FOLDER = "foyer"


@dataclass(frozen=True)
class Coverage:
    key: AudioKey
    approved: bool  # in the library: what members hear (the library wins over a file)
    pending: bool  # a recording waits for a second person
    file: str | None  # the curriculum's own file for it, when the file is there

    @property
    def heard(self) -> bool:
        return self.approved or self.file is not None

    @property
    def states(self) -> list[str]:
        found = [
            word
            for word, there in (
                ("approved", self.approved),
                ("file", self.file is not None),
                ("pending", self.pending),
            )
            if there
        ]
        return found or ["missing"]

    def as_json(self) -> dict[str, Any]:
        return {
            "curriculum": self.key.curriculum or None,
            "week": self.key.week or None,
            "item": self.key.item.value,
            "language": self.key.language,
            "approved": self.approved,
            "pending": self.pending,
            "file": self.file,
            "heard": self.heard,
        }


@dataclass(frozen=True)
class Total:
    folder: str  # a curriculum's id, or "foyer" for Foyer's own screens
    language: str
    heard: int
    items: int

    def __str__(self) -> str:
        return f"{self.folder} {self.language}: {self.heard} of {self.items} items"


def folder_of(key: AudioKey) -> str:
    """The folder of an export the key's file goes in: its curriculum's id, or foyer/."""
    return key.curriculum or FOYER_FOLDER


def _files(cur: Curriculum, root: Path) -> dict[tuple[int, str, str], str]:
    """(week, language, item) -> the path the curriculum names, for the files that exist."""
    return {
        (week, lang, item): rel
        for week, lang, item, rel in cur.audio_files()
        if (root / rel).is_file()
    }


def coverage(
    curricula: Iterable[Curriculum],
    root: Path,
    languages: Iterable[str],
    *,
    approved: set[AudioKey],
    pending: set[AudioKey],
) -> list[Coverage]:
    """Every recordable key in ``languages``: each curriculum's (files relative to ``root``,
    the curricula's folder), then Foyer's own screens."""
    langs = list(languages)
    out: list[Coverage] = []
    for cur in sorted(curricula, key=lambda c: c.id):
        files = _files(cur, root)
        for lang in langs:
            for key in curriculum_keys(cur, lang):
                found = files.get((key.week, lang, key.item.value))
                out.append(Coverage(key, key in approved, key in pending, found))
    for lang in langs:
        for key in foyer_keys(lang):
            out.append(Coverage(key, key in approved, key in pending, None))
    return out


def totals(rows: Iterable[Coverage]) -> list[Total]:
    counts: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        seen = counts.setdefault((folder_of(row.key), row.key.language), [0, 0])
        seen[0] += row.heard
        seen[1] += 1
    return [Total(folder, lang, heard, items) for (folder, lang), (heard, items) in counts.items()]


def format_listing(rows: list[Coverage]) -> str:
    """One line per key, then the totals (what members can hear, of the items there are)."""
    table = [
        (
            folder_of(r.key),
            r.key.language,
            f"w{r.key.week}" if r.key.week else "-",
            r.key.item.value,
            ", ".join(r.states),
        )
        for r in rows
    ]
    widths = [max((len(line[i]) for line in table), default=0) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    return "\n".join([*lines, *(str(t) for t in totals(rows))])
