"""Each text and translation of a curriculum: valid HTML for Telegram's parse mode, the same
tags, placeholders and line breaks as the English, the length rule, no "today" in what is
delivered later, and French and Spanish complete and reviewed (a language that falls back to
another may be partial: its drafts are flagged, not failures). Recordings: audio_check.py."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content.catalogs import TRANSLATED_LANGUAGES, Catalogs, State
from bot.content.problems import Problem
from bot.domain.curriculum import MESSAGE_GUIDELINE, TEXT_LIMIT, Curriculum, translatable_strings
from bot.emulator.formatting import EntityParseError, parse_html

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Python %-format, brace placeholders: anything that looks like a slot to fill in.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}")
_CONTEXT = re.compile(r"^[^:]+:(?:w(?P<week>\d+):)?(?P<field>.+)$")


def _tags(text: str) -> list[str]:
    return _TAG.findall(text)


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def _listed(items: list[str]) -> str:
    return " ".join(items) if items else "none"


def _limit(context: str) -> int:
    return TEXT_LIMIT if context.endswith(":code_of_conduct") else MESSAGE_GUIDELINE


def _html_problem(text: str) -> str | None:
    try:
        parse_html(text)
    except EntityParseError as exc:
        return f"HTML not valid for Telegram: {exc}"
    return None


# Texts members receive on the programme's schedule, not at the meeting: the week's message
# comes a day or more after it, and a man who joins late gets it at once. "Today" there is
# never the day he reads it. (The session plan is read aloud at the meeting: not checked.)
_DELIVERED_FIELDS = re.compile(r"^(?:prompt|challenge|checkin|tip|couples_exercise\..+)$")
_TODAY_WORDS: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\btoday\b", re.IGNORECASE),
    "fr": re.compile(r"\baujourd[’']hui\b", re.IGNORECASE),
    "es": re.compile(r"\bhoy\b", re.IGNORECASE),
    "bm": re.compile(r"\bbi\b", re.IGNORECASE),  # Bambara: "today"
}


def timing_problem(fld: str, text: str, lang: str = "en") -> str | None:
    """A delivered text that says "today": untrue whenever it arrives."""
    words = _TODAY_WORDS.get(lang)
    if not _DELIVERED_FIELDS.match(fld) or words is None:
        return None
    found = words.search(text)
    if found is None:
        return None
    return (
        f"says {found.group(0)!r}, but members receive it the day after the meeting or later "
        "(at once when they join late): word it so it is true whenever it arrives"
    )


def source_problems(text: str) -> list[str]:
    """Problems of an English source text that the schema does not see."""
    out = []
    if (html := _html_problem(text)) is not None:
        out.append(html)
    if found := _placeholders(text):
        out.append(
            f"placeholder {_listed(found)}: curriculum texts are sent as written, "
            "nothing fills it in"
        )
    return out


def translation_problems(context: str, source: str, text: str) -> list[str]:
    """Problems of one translation compared with its English source."""
    out = []
    if (html := _html_problem(text)) is not None:
        out.append(html)
    if _tags(text) != _tags(source):
        out.append(
            f"tags differ from the English: {_listed(_tags(text))} "
            f"instead of {_listed(_tags(source))}"
        )
    if _placeholders(text) != _placeholders(source):
        out.append(
            f"placeholders differ from the English: {_listed(_placeholders(text))} "
            f"instead of {_listed(_placeholders(source))}"
        )
    if len(text) > _limit(context):
        out.append(f"{len(text)} characters, at most {_limit(context)}")
    if text.count("\n") != source.count("\n"):
        out.append(
            f"{text.count(chr(10))} line breaks where the English has {source.count(chr(10))}"
        )
    if text != text.strip():
        out.append("spaces or line breaks around the text")
    return out


_STATE_WORDS = {
    State.MISSING: "missing translation",
    State.FUZZY: "translation is fuzzy (not yet reviewed)",
    State.OUTDATED: "translation is for an older English text (run pybabel update, review it)",
}


def _where(context: str) -> tuple[str, str]:
    found = _CONTEXT.match(context)
    assert found is not None
    return found["week"] or "-", found["field"]


def check_texts(
    file: Path, cur: Curriculum, catalogs: Catalogs, partial: frozenset[str]
) -> tuple[list[Problem], list[Problem]]:
    problems: list[Problem] = []
    flagged: list[Problem] = []
    for context, source in translatable_strings(cur):
        week, fld = _where(context)
        for text in source_problems(source):
            problems.append(Problem(str(file), week, fld, text))
        if (timing := timing_problem(fld, source, cur.source_language)) is not None:
            problems.append(Problem(str(file), week, fld, timing))
        for lang in TRANSLATED_LANGUAGES:
            found = catalogs.lookup(lang, context, source)
            shown = found.state is State.TRANSLATED
            # What people see must be right; drafts of a partial language are only flagged.
            bucket = problems if shown or lang not in partial else flagged
            if not shown:
                bucket.append(Problem(str(file), week, fld, f"{lang}: {_STATE_WORDS[found.state]}"))
            if found.text is not None:
                for text in translation_problems(context, source, found.text):
                    bucket.append(Problem(str(file), week, fld, f"{lang}: {text}"))
                if (timing := timing_problem(fld, found.text, lang)) is not None:
                    bucket.append(Problem(str(file), week, fld, f"{lang}: {timing}"))
    return problems, flagged
