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
- the recordings named by ``audio`` and ``code_of_conduct_audio``: OGG/Opus files, not empty,
  at most five minutes (over two: flagged).

A folder also gets duplicate ids checked and, when it has a ``resources/`` folder, the referral
resources (``bot.domain.resources.check``).
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from bot.content.audio_check import check_audio
from bot.content.catalogs import TRANSLATED_LANGUAGES, CatalogError, Catalogs
from bot.content.problems import Problem, Report, problem_from_line, sort_key
from bot.content.rendered_check import check_rendered
from bot.content.schema_check import load
from bot.content.text_check import check_texts
from bot.domain import distress, resources
from bot.domain.curriculum import Curriculum
from bot.infra.clock import SystemClock
from bot.settings import Settings


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
            problems, flagged = check_texts(file, cur, catalogs, partial)
        except CatalogError as exc:
            report.problems.append(problem_from_line(str(exc)))
            continue
        report.problems += problems
        report.flagged += flagged
        audio_problems, long_recordings = check_audio(file, cur)
        report.problems += audio_problems
        report.flagged += long_recordings
        report.problems += asyncio.run(
            check_rendered(file, cur, locales, settings, problems + flagged)
        )
    if folder is not None:
        _check_resources(folder, report, today)
        _check_distress_lists(folder, report)
    report.problems.sort(key=sort_key)
    return report


def _check_resources(folder: Path, report: Report, today: date | None) -> None:
    """Referral resources beside the curricula (conversations/resources/*.toml)."""
    root = folder / "resources"
    if not root.is_dir():
        return
    errors, warnings = resources.check(root, today or SystemClock().now().date())
    for lines, bucket in ((errors, report.problems), (warnings, report.flagged)):
        for line in lines:
            bucket.append(_resource_problem(root, line))


def _check_distress_lists(folder: Path, report: Report) -> None:
    """Distress keyword lists beside the curricula (conversations/distress/<lang>.toml)."""
    root = folder / "distress"
    if not root.is_dir():
        return
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
