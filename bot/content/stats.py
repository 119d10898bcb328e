"""`foyer content stats`: per curriculum and language, how many strings are translated, fuzzy
(awaiting review, or translated for an older English text) and missing, and beside them how
many of its items members can hear (a recording approved in the library or a curriculum file;
bot/content/audio_coverage.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.content.audio_coverage import Coverage, totals
from bot.content.catalogs import SOURCE_LANGUAGE, TRANSLATED_LANGUAGES, Catalogs, State
from bot.domain.curriculum import Curriculum, translatable_strings


@dataclass(frozen=True)
class Row:
    curriculum: str
    language: str
    translated: int
    fuzzy: int
    missing: int
    audio: int = 0  # items with a recording members hear
    audio_items: int = 0  # items that can be recorded

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.missing


def stats(curricula: list[Curriculum], catalogs: Catalogs) -> list[Row]:
    rows = []
    for cur in sorted(curricula, key=lambda c: c.id):
        strings = list(translatable_strings(cur))
        # English is the source: complete by definition.
        rows.append(Row(cur.id, SOURCE_LANGUAGE, len(strings), 0, 0))
        for lang in TRANSLATED_LANGUAGES:
            counts = {state: 0 for state in State}
            for context, source in strings:
                counts[catalogs.lookup(lang, context, source).state] += 1
            rows.append(
                Row(
                    cur.id,
                    lang,
                    counts[State.TRANSLATED],
                    counts[State.FUZZY] + counts[State.OUTDATED],
                    counts[State.MISSING],
                )
            )
    return rows


def with_audio(rows: list[Row], covered: Iterable[Coverage]) -> list[Row]:
    """The rows with their curriculum and language's audio coverage."""
    found = {(t.folder, t.language): t for t in totals(covered)}
    out = []
    for r in rows:
        total = found.get((r.curriculum, r.language))
        out.append(replace(r, audio=total.heard, audio_items=total.items) if total else r)
    return out


def format_table(rows: list[Row]) -> str:
    header = ("curriculum", "language", "translated", "fuzzy", "missing", "audio")
    body = [
        (
            r.curriculum,
            r.language + (" (source)" if r.language == SOURCE_LANGUAGE else ""),
            str(r.translated),
            str(r.fuzzy),
            str(r.missing),
            f"{r.audio}/{r.audio_items}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    out = []
    for line in [header, *body]:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
