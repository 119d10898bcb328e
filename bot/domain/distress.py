"""Distress words: does a message a person typed suggest violence, self-harm or an emergency?

The lists live in conversations/distress/<lang>.toml, one table per category. Every language's
list is checked whatever the person's language (a shared phone may be set to another one).
Matching folds case and accents, treats the Bambara letters ɛ ɔ ɲ as e o ny, drops apostrophes
(people type "jai peur" as often as "j'ai peur") and compares whole words, so "arme" never
matches "armee" and "viol" never matches "violet". A match only ever leads to a question.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.paths import conversations_dir


class DistressCategory(StrEnum):
    VIOLENCE = "violence"
    SELF_HARM = "self_harm"
    EMERGENCY = "emergency"


class DistressListError(Exception):
    """A keyword file that does not follow the rules; the message names file and category."""


_LETTERS = str.maketrans({"ɛ": "e", "ɔ": "o", "ɲ": "ny", "ŋ": "ng", "Ɛ": "e", "Ɔ": "o"})
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_WORD = re.compile(r"\w+")
# Longer texts are still checked; this only bounds the work on a pasted essay.
MAX_CHARS = 4000


def fold(text: str) -> list[str]:
    """The words of a text, lower case, without accents or apostrophes."""
    text = text[:MAX_CHARS].translate(_LETTERS).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text.translate(_LETTERS))
    return _WORD.findall(text)


def distress_dir() -> Path:
    return conversations_dir() / "distress"


class Matcher:
    """Phrases indexed by their first word, so a message costs one lookup per word."""

    def __init__(self, phrases: Iterable[tuple[DistressCategory, str]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], DistressCategory]]] = {}
        for cat, phrase in phrases:
            words = tuple(fold(phrase))
            if words:
                self._by_first.setdefault(words[0], []).append((words, cat))

    def categories(self, text: str) -> set[DistressCategory]:
        words = fold(text)
        found: set[DistressCategory] = set()
        for i, word in enumerate(words):
            for phrase, cat in self._by_first.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.add(cat)
        return found

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())


def load_lists(root: Path) -> dict[str, dict[DistressCategory, list[str]]]:
    """{lang: {category: phrases}} for every <lang>.toml; raises DistressListError."""
    out: dict[str, dict[DistressCategory, list[str]]] = {}
    for path in sorted(root.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DistressListError(f"{path.name}: not valid TOML: {exc}") from None
        lists: dict[DistressCategory, list[str]] = {}
        for key, table in data.items():
            try:
                cat = DistressCategory(key)
            except ValueError:
                raise DistressListError(f"{path.name}:{key}: unknown category") from None
            words = table.get("words") if isinstance(table, dict) else None
            if not isinstance(words, list) or not words:
                raise DistressListError(f"{path.name}:{key}: needs a non-empty 'words' list")
            if not all(isinstance(w, str) and fold(w) for w in words):
                raise DistressListError(f"{path.name}:{key}: every word must be some text")
            lists[cat] = words
        missing = set(DistressCategory) - set(lists)
        if missing:
            names = ", ".join(sorted(missing))
            raise DistressListError(f"{path.name}: missing categories: {names}")
        out[path.stem] = lists
    return out


@cache
def matcher(root: Path | None = None) -> Matcher:
    lists = load_lists(root or distress_dir())
    return Matcher((cat, w) for by_cat in lists.values() for cat, ws in by_cat.items() for w in ws)


def detect(text: str) -> set[DistressCategory]:
    """The categories a message touches (empty: none). The text is neither kept nor logged."""
    return matcher().categories(text)
