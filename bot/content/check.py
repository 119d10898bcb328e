"""`foyer content check`: everything a content author can get wrong, as `file:week:field: problem`.

Checked, for each curriculum file:

- the schema (the same models the bot loads), with missing weeks named one by one;
- every translatable text in every language: French and Spanish must be complete and reviewed;
  a language that falls back to another (``FOYER_LANGUAGE_FALLBACKS``, Bambara -> French by
  default) may be partial: its missing and fuzzy strings are *flagged* (awaiting a native
  speaker's review; readers see the fallback), not failures;
- each text and translation: valid HTML for Telegram's parse mode, the same tags, placeholders
  and line breaks as the English, and the length rule;
- the rendered messages: what the renderers of ``bot/delivery/kinds`` really produce for each
  week and language fits Telegram's limits (4096 characters per text, 1024 per caption) and is
  valid HTML;
- audio files named by ``audio`` exist.

A folder also gets duplicate ids checked and, when it has a ``resources/`` folder, the referral
resources (``bot.domain.resources.check``).
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.content.catalogs import TRANSLATED_LANGUAGES, CatalogError, Catalogs, State
from bot.content.offline import (
    FixedCurricula,
    content_catalogs,
    item_for,
    offline_runtime,
    registered_kinds,
    sample_group,
)
from bot.delivery.render import NothingToSend, Outgoing, render
from bot.domain.curriculum import (
    CAPTION_LIMIT,
    MESSAGE_GUIDELINE,
    TEXT_LIMIT,
    Curriculum,
    Week,
    context_key,
    translatable_strings,
)
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.outbox_kinds import WEEKLY_KINDS, OutboxKind
from bot.emulator.formatting import EntityParseError, parse_html, utf16_len
from bot.i18n import content_text
from bot.settings import Settings

CALLBACK_DATA_LIMIT = 64  # bytes

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Python %-format, brace placeholders: anything that looks like a slot to fill in.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}")
_CONTEXT = re.compile(r"^[^:]+:(?:w(?P<week>\d+):)?(?P<field>.+)$")
_REQUIRED = re.compile(r"^week (?P<week>\d+): (?P<field>\S+) (?P<rest>.+)$")


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


class UnreadablePath(Exception):
    """The path to check is neither a curriculum file nor a folder."""


def partial_languages(settings: Settings) -> frozenset[str]:
    """Languages allowed to be partial: those whose readers fall back to another language."""
    return frozenset(settings.language_fallbacks) & set(TRANSLATED_LANGUAGES)


def check_path(
    path: Path, *, locales: Path, settings: Settings, today: date | None = None
) -> Report:
    if path.is_file():
        files, folder = [path], None
    elif path.is_dir():
        files, folder = sorted(path.glob("*.toml")), path
    else:
        raise UnreadablePath(f"{path} is neither a curriculum file nor a folder")
    report = Report()
    catalogs = Catalogs(locales)
    loaded: list[tuple[Path, Curriculum]] = []
    if not files:
        report.problems.append(Problem(str(path), "-", "-", "no curriculum (*.toml) here"))
    for file in files:
        cur, problems = load(file)
        report.problems += problems
        if cur is not None:
            loaded.append((file, cur))
    seen: dict[str, Path] = {}
    for file, cur in loaded:
        if cur.id in seen:
            report.problems.append(
                Problem(str(file), "-", "id", f"{cur.id!r} is already the id of {seen[cur.id]}")
            )
        seen.setdefault(cur.id, file)
    partial = partial_languages(settings)
    for file, cur in loaded:
        report.curricula.append(cur.id)
        try:
            problems, flagged = _check_texts(file, cur, catalogs, partial)
        except CatalogError as exc:
            report.problems.append(_problem_from_line(str(exc)))
            continue
        report.problems += problems
        report.flagged += flagged
        report.problems += _check_audio(file, cur)
        report.problems += asyncio.run(
            _check_rendered(file, cur, locales, settings, problems + flagged)
        )
    if folder is not None:
        _check_resources(folder, report, today)
        _check_distress_lists(folder, report)
    report.problems.sort(key=_order)
    return report


def _order(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, int(p.week) if p.week.isdigit() else 0, p.field, p.text)


def _problem_from_line(line: str) -> Problem:
    head, _, text = line.partition(": ")
    file, week, fld = [*head.rsplit(":", 2), "-", "-"][:3]
    return Problem(file, week, fld, text)


# ----------------------------------------------------------------------------- schema


def load(path: Path) -> tuple[Curriculum | None, list[Problem]]:
    """The curriculum, or None with every schema problem named by week and field."""
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(where, "-", "-", f"cannot read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(where, "-", "-", f"not valid TOML: {exc}")]
    try:
        return Curriculum.model_validate(raw), []
    except ValidationError as exc:
        return None, _schema_problems(where, raw, exc)


def _schema_problems(where: str, raw: dict[str, Any], err: ValidationError) -> list[Problem]:
    weeks = raw.get("week") if isinstance(raw.get("week"), list) else []
    assert isinstance(weeks, list)
    out: list[Problem] = []
    for e in err.errors():
        loc = list(e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        if not loc:
            if msg.startswith("weeks must be numbered"):
                out += _numbering_problems(where, raw, weeks)
                continue
            found = _REQUIRED.match(msg)
            if found:
                out.append(Problem(where, found["week"], found["field"], found["rest"]))
                continue
        week = "-"
        if len(loc) >= 2 and loc[0] == "week" and isinstance(loc[1], int):
            idx = loc[1]
            entry = weeks[idx] if idx < len(weeks) else None
            number = entry.get("number") if isinstance(entry, dict) else None
            week = str(number if isinstance(number, int) else idx + 1)
            loc = loc[2:]
        fld = ".".join(str(p) for p in loc) or "-"
        out.append(Problem(where, week, fld, msg))
    return out


def _numbering_problems(where: str, raw: dict[str, Any], weeks: list[Any]) -> list[Problem]:
    total = raw.get("weeks")
    numbers = [w.get("number") for w in weeks if isinstance(w, dict)]
    out: list[Problem] = []
    rule = f"weeks must be numbered 1 to {total}"
    for n in range(1, int(total) + 1 if isinstance(total, int) else 1):
        if n not in numbers:
            out.append(Problem(where, str(n), "-", f"week {n} is missing: {rule}"))
    for n in sorted({x for x in numbers if isinstance(x, int)}):
        if numbers.count(n) > 1:
            out.append(Problem(where, str(n), "number", f"week {n} appears more than once"))
        if isinstance(total, int) and n > total:
            out.append(Problem(where, str(n), "number", f"week {n} is beyond {rule}"))
    return out


# ----------------------------------------------------------------------------- texts


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


def _check_texts(
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


def _check_audio(file: Path, cur: Curriculum) -> list[Problem]:
    out = []
    for w in cur.week:
        for lang, rel in sorted(w.audio.items()):
            if lang not in SUPPORTED_LANGUAGES:
                out.append(Problem(str(file), str(w.number), f"audio.{lang}", "unknown language"))
            elif not (file.parent / rel).is_file():
                out.append(Problem(str(file), str(w.number), f"audio.{lang}", f"no file {rel}"))
    return out


# ----------------------------------------------------------------------------- rendered


def outgoing_problems(kind: str, out: Outgoing) -> list[str]:
    """What Telegram would refuse in one rendered message."""
    try:
        visible = parse_html(out.text).text
    except EntityParseError as exc:
        return [f"the {kind} message is not valid Telegram HTML: {exc}"]
    problems = []
    limit = CAPTION_LIMIT if out.media is not None else TEXT_LIMIT
    size = utf16_len(visible)
    if size > limit:
        what = "caption" if out.media is not None else "message"
        problems.append(
            f"the {kind} {what} is {size} characters after formatting; Telegram allows {limit}"
        )
    if out.media is None and not visible.strip():
        problems.append(f"the {kind} message is empty")
    for row in out.buttons:
        for label, data in row:
            if not label.strip():
                problems.append(f"the {kind} message has a button without a label")
            if len(data.encode()) > CALLBACK_DATA_LIMIT:
                problems.append(f"the {kind} button {label!r} carries more than 64 bytes")
    return problems


async def _check_rendered(
    file: Path, cur: Curriculum, locales: Path, settings: Settings, found: Iterable[Problem]
) -> list[Problem]:
    # A text already reported as broken HTML breaks its message too: say it once.
    broken = {(p.week, p.text.split(":", 1)[0]) for p in found if "HTML not valid" in p.text}
    broken_source = {p.week for p in found if p.text.startswith("HTML not valid")}
    kinds = [k for k in WEEKLY_KINDS if k in registered_kinds()]
    out: list[Problem] = []
    curricula = FixedCurricula([cur], file.parent)
    with content_catalogs(locales):
        async with offline_runtime(settings, curricula) as rt:
            group_id = await sample_group(rt, cur, "en")
            for w in sorted(cur.week, key=lambda w: w.number):
                for lang in SUPPORTED_LANGUAGES:
                    skip_html = str(w.number) in broken_source or (str(w.number), lang) in broken
                    for kind in kinds:
                        item = item_for(kind, cur.id, w.number, lang, group_id=group_id)
                        try:
                            message = await render(item, rt)
                        except NothingToSend:
                            continue
                        found_here = outgoing_problems(kind, message)
                        guide = kind == OutboxKind.GUIDE
                        if guide and not _guide_complete(cur.id, w, lang, message):
                            found_here.append(
                                "the guide is longer than Telegram's 4096 characters: its last "
                                "blocks are cut off; shorten the session plan"
                            )
                        for text in found_here:
                            if skip_html and "HTML" in text:
                                continue
                            where = f"message.{kind}"
                            out.append(Problem(str(file), str(w.number), where, f"{lang}: {text}"))
    return out


def _guide_complete(cur_id: str, week: Week, lang: str, message: Outgoing) -> bool:
    """The guide renderer cuts a guide over Telegram's limit at a block boundary; its last
    block (take home) is then missing."""
    take_home = week.session_plan.take_home
    return (
        content_text(context_key(cur_id, week.number, "session_plan.take_home"), take_home, lang)
        in message.text
    )


# ----------------------------------------------------------------------------- resources


def _check_resources(folder: Path, report: Report, today: date | None) -> None:
    """Referral resources beside the curricula (conversations/resources/*.toml)."""
    root = folder / "resources"
    if not root.is_dir():
        return
    from bot.domain import resources
    from bot.infra.clock import SystemClock

    errors, warnings = resources.check(root, today or SystemClock().now().date())
    for lines, bucket in ((errors, report.problems), (warnings, report.flagged)):
        for line in lines:
            bucket.append(_resource_problem(root, line))


def _check_distress_lists(folder: Path, report: Report) -> None:
    """Distress keyword lists beside the curricula (conversations/distress/<lang>.toml)."""
    root = folder / "distress"
    if not root.is_dir():
        return
    from bot.domain import distress

    try:
        distress.load_lists(root)
    except distress.DistressListError as exc:
        report.problems.append(Problem(str(root), "-", "-", str(exc)))


def _resource_problem(root: Path, line: str) -> Problem:
    """'ml.toml:entry.0.phone: msg' (resources have no weeks) -> a Problem under root."""
    head, _, text = line.partition(": ")
    if head == str(root):
        return Problem(head, "-", "-", text)
    name, _, fld = head.partition(":")
    return Problem(str(root / name), "-", fld or "-", text)
