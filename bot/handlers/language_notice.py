"""Honest about Bambara text: until its catalogs are reviewed, a man who picks Bamanankan is
told, in French, that written messages come in French and voice messages in Bambara.

`language_notice_text()` is the one text of the notice (recorders read it aloud: the
recording is AudioKey("", 0, LANGUAGE_NOTICE, "bm")); `text_reviewed(lang)` is the one rule
for when a language's written text can be trusted.
"""

from __future__ import annotations

from functools import cache

from babel.messages.pofile import read_po
from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.audio import AudioItem, AudioKey
from bot.handlers.common import edit
from bot.handlers.hearing import send_recording
from bot.i18n import CONTENT_DOMAIN, UI_DOMAIN, _, fallback_chain, use_language
from bot.paths import locales_dir

# A language's text counts as reviewed when at least this share of the entries of both its
# catalogs (the interface and the curricula) is translated and no longer fuzzy. Less, and
# most of what a member reads would fall back to another language.
REVIEWED_SHARE = 0.9
SOURCE_LANGUAGE = "en"  # the msgids themselves
# The language the notice is written in, and names: what Bambara text falls back to.
NOTICE_LANGUAGE = "fr"


@cache
def text_reviewed(lang: str) -> bool:
    """Can a member of this language read Foyer in it? (Read once: catalogs change only with
    a new release.)"""
    if lang == SOURCE_LANGUAGE:
        return True
    for domain in (UI_DOMAIN, CONTENT_DOMAIN):
        po = locales_dir() / lang / "LC_MESSAGES" / f"{domain}.po"
        if not po.is_file():
            return False
        with po.open("rb") as fh:
            entries = [m for m in read_po(fh, locale=lang, domain=domain) if m.id]
        strings = [m.string if isinstance(m.string, tuple | list) else (m.string,) for m in entries]
        reviewed = sum(1 for m, s in zip(entries, strings, strict=True) if all(s) and not m.fuzzy)
        if entries and reviewed < REVIEWED_SHARE * len(entries):
            return False
    return True


def needs_language_notice(lang: str) -> bool:
    """Whether a member who picks this language is told that its text comes in French."""
    return not text_reviewed(lang) and NOTICE_LANGUAGE in fallback_chain(lang)[1:]


def language_notice_text() -> str:
    """The notice, in French whatever the current language (what he will read is French)."""
    with use_language(NOTICE_LANGUAGE):
        return _(
            "Foyer's written messages come in French: its Bambara text has not been checked "
            "yet. Its voice messages come in Bambara, wherever the programme has been recorded."
        )


def notice_key(lang: str) -> AudioKey:
    """The recording of the notice, in the language it is about (Bambara)."""
    return AudioKey("", 0, AudioItem.LANGUAGE_NOTICE, lang)


async def answer_with_notice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str, text: str
) -> None:
    """Answer a change of language with ``text``, and the notice after it when it is owed,
    heard too when it is recorded."""
    if not needs_language_notice(lang):
        await edit(update, text)
        return
    await edit(update, "\n\n".join([text, language_notice_text()]))
    await send_recording(update, context, notice_key(lang), None)
