"""Translations and locale-aware formatting.

The active language lives in a ContextVar (updates run concurrently, so never a global).
Catalogs are compiled from the .po files in memory when first used, so a .mo can never be stale.
Two gettext domains: ``foyer`` for the interface, ``content`` for the curricula.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.paths import locales_dir

UI_DOMAIN = "foyer"
CONTENT_DOMAIN = "content"

# The language names people recognise, each written in its own language.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "bm": "Bamanankan",
}

_current: ContextVar[str] = ContextVar("foyer_locale", default="en")
_fallbacks: dict[str, str] = {"bm": "fr"}


def configure(fallbacks: dict[str, str]) -> None:
    """Set the language fallback chain (from Settings) once at start-up."""
    _fallbacks.clear()
    _fallbacks.update(fallbacks)
    _translations.cache_clear()


def fallback_chain(lang: str) -> list[str]:
    chain = [lang]
    while (nxt := _fallbacks.get(chain[-1])) and nxt not in chain:
        chain.append(nxt)
    if "en" not in chain:
        chain.append("en")
    return chain


@cache
def _compiled(domain: str, lang: str, root: Path) -> bytes | None:
    po = root / lang / "LC_MESSAGES" / f"{domain}.po"
    if not po.is_file():
        return None
    mo = po.with_suffix(".mo")
    # An installed wheel carries .mo files compiled at build time; anywhere else (or if the .po
    # was edited since) compile the .po now, so a catalog is never stale.
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    # Babel would compile an untranslated plural entry as its English text; drop every entry
    # without a translation so the fallback chain (bm -> fr -> en) takes over instead.
    for message in list(catalog):
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.id and not any(strings):
            catalog.delete(message.id, context=message.context)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # fuzzy = not yet reviewed: fall back instead
    return buf.getvalue()


@cache
def _translations(domain: str, lang: str) -> gettext.NullTranslations:
    root = locales_dir()
    head: gettext.NullTranslations | None = None
    for code in fallback_chain(lang):
        mo = _compiled(domain, code, root)
        if mo is None:
            continue
        layer = gettext.GNUTranslations(io.BytesIO(mo))
        if head is None:
            head = layer
        else:
            head.add_fallback(layer)
    return head or gettext.NullTranslations()


# A language's text counts as reviewed when at least this share of the entries of both its
# catalogs (the interface and the curricula) is translated and no longer fuzzy. Less, and
# most of what a member reads would fall back to another language.
REVIEWED_SHARE = 0.9
SOURCE_LANGUAGE = "en"  # the msgids themselves


@cache
def _catalog_reviewed(domain: str, lang: str) -> bool:
    po = locales_dir() / lang / "LC_MESSAGES" / f"{domain}.po"
    if not po.is_file():
        return False
    with po.open("rb") as fh:
        entries = [m for m in read_po(fh, locale=lang, domain=domain) if m.id]
    strings = [m.string if isinstance(m.string, tuple | list) else (m.string,) for m in entries]
    reviewed = sum(1 for m, s in zip(entries, strings, strict=True) if all(s) and not m.fuzzy)
    return not entries or reviewed >= REVIEWED_SHARE * len(entries)


def text_reviewed(lang: str) -> bool:
    """Can a member of this language read Foyer in it? (Read once: catalogs change only with
    a new release.)"""
    return lang == SOURCE_LANGUAGE or all(
        _catalog_reviewed(domain, lang) for domain in (UI_DOMAIN, CONTENT_DOMAIN)
    )


def written_language(lang: str) -> str:
    """The language a member of ``lang`` reads Foyer's text in: his own once it is reviewed,
    else the next of its fallbacks (Bambara: French). Dates and numbers follow it, so a French
    sentence never carries a Bambara date."""
    return next((code for code in fallback_chain(lang) if text_reviewed(code)), SOURCE_LANGUAGE)


def current_language() -> str:
    return _current.get()


def set_language(lang: str) -> None:
    _current.set(lang if lang in SUPPORTED_LANGUAGES else "en")


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _current.set(lang if lang in SUPPORTED_LANGUAGES else "en")
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return _translations(UI_DOMAIN, _current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(UI_DOMAIN, _current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _translations(UI_DOMAIN, _current.get()).pgettext(context, message)


def content_text(context: str, source: str, lang: str | None = None) -> str:
    """A curriculum string in the given (or current) language, following the fallback chain."""
    return _translations(CONTENT_DOMAIN, lang or _current.get()).pgettext(context, source)


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Stored choice, else Telegram's language_code when supported, else the default."""
    if stored in SUPPORTED_LANGUAGES:
        return stored
    base = (telegram_code or "").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else default


# One clock style per language, everywhere Foyer writes a time: the 24-hour clock people type
# into the wizard, the command line and /remind ("17:00"), and that the schedule views show.
# English is written "17:00" too, never "5:00 PM" in one message and "17:00" in the next;
# Spanish keeps the leading zero ("09:00") for the same reason.
CLOCK_PATTERNS: dict[str, str] = {"en": "HH:mm", "fr": "HH:mm", "es": "HH:mm", "bm": "HH:mm"}


def format_clock(value: time | datetime, lang: str | None = None) -> str:
    """A time of day in the language's one clock style (a datetime: as it is, no timezone
    change: convert to the group's first)."""
    lang = written_language(lang or _current.get())
    return format_time(value, CLOCK_PATTERNS.get(lang, "HH:mm"), locale=lang)


@cache
def _full_date_without_year(lang: str) -> str:
    """The locale's full date pattern minus the year: full weekday and month names read best."""
    pattern = str(Locale.parse(lang).date_formats["full"].pattern)
    return re.sub(r"[,\s]*(?:'[^']*'\s*)?y+\s*$", "", pattern)


def format_when(moment: datetime, timezone: str, lang: str | None = None) -> str:
    """'Friday 4 December, 09:00' in the person's language and the group's timezone."""
    lang = written_language(lang or _current.get())
    tz = ZoneInfo(timezone)
    local = moment.astimezone(tz)
    day = format_date(local, _full_date_without_year(lang), locale=lang)
    hour = format_clock(local, lang)
    # The locale's own pattern for joining a date and a time ("{1}, {0}", "{1} à {0}"...).
    return str(Locale.parse(lang).datetime_formats["long"]).format(hour, day)


def format_day_short(moment: datetime, lang: str | None = None) -> str:
    """'Tue 8 Dec 2026' in the language (the moment as it is: convert it first)."""
    return format_date(moment, "EEE d MMM y", locale=written_language(lang or _current.get()))


def format_day(moment: datetime, timezone: str, lang: str | None = None) -> str:
    lang = written_language(lang or _current.get())
    local = moment.astimezone(ZoneInfo(timezone))
    return format_date(local, _full_date_without_year(lang), locale=lang)


def format_number(n: int | float, lang: str | None = None) -> str:
    return format_decimal(n, locale=written_language(lang or _current.get()))
