"""The content catalogs (``locales/<lang>/LC_MESSAGES/content.po``) as the author tools read them.

Each curriculum string is looked up the way the bot does: by its context *and* its English
source. The state of one string in one language is one of:

- ``translated``: a reviewed translation people see;
- ``fuzzy``: a draft awaiting review (people see the next language of the fallback chain);
- ``outdated``: translated for an older English text (the bot no longer matches it: people see
  the fallback); counted as fuzzy in the statistics, as ``pybabel update`` would mark it;
- ``missing``: no entry, or an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n import CONTENT_DOMAIN

SOURCE_LANGUAGE = "en"
# The languages that have (or should have) a content catalog: every supported one but English.
TRANSLATED_LANGUAGES: tuple[str, ...] = tuple(x for x in SUPPORTED_LANGUAGES if x != "en")


class State(StrEnum):
    TRANSLATED = "translated"
    FUZZY = "fuzzy"
    OUTDATED = "outdated"
    MISSING = "missing"


@dataclass(frozen=True)
class Lookup:
    state: State
    text: str | None = None  # the translation, when there is one (fuzzy or outdated included)


class CatalogError(Exception):
    """A catalog file that cannot be read; the message starts with its path."""


def catalog_path(root: Path, lang: str) -> Path:
    return root / lang / "LC_MESSAGES" / f"{CONTENT_DOMAIN}.po"


class Catalogs:
    """Every content catalog of one locales folder, read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_lang: dict[str, dict[str, Message] | None] = {}

    def path(self, lang: str) -> Path:
        return catalog_path(self.root, lang)

    def has(self, lang: str) -> bool:
        return self._entries(lang) is not None

    def _entries(self, lang: str) -> dict[str, Message] | None:
        """context -> entry, or None when the language has no catalog."""
        if lang not in self._by_lang:
            path = self.path(lang)
            if not path.is_file():
                self._by_lang[lang] = None
            else:
                self._by_lang[lang] = {m.context or "": m for m in _read(path, lang) if m.id}
        return self._by_lang[lang]

    def lookup(self, lang: str, context: str, source: str) -> Lookup:
        entries = self._entries(lang)
        entry = entries.get(context) if entries is not None else None
        if entry is None or not isinstance(entry.string, str) or not entry.string:
            return Lookup(State.MISSING)
        if entry.id != source:
            return Lookup(State.OUTDATED, entry.string)
        if entry.fuzzy:
            return Lookup(State.FUZZY, entry.string)
        return Lookup(State.TRANSLATED, entry.string)


def _read(path: Path, lang: str) -> Catalog:
    try:
        with path.open("rb") as fh:
            return read_po(fh, locale=lang, domain=CONTENT_DOMAIN, abort_invalid=True)
    except (OSError, UnicodeDecodeError, PoFileError, ValueError) as exc:
        raise CatalogError(f"{path}:-:-: cannot read the catalog: {exc}") from None
