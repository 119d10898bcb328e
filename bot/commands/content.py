"""foyer content ...: the content authors' tools (check, preview, stats)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

from bot import i18n
from bot.commands.common import curricula, settings
from bot.commands.content_audio import library_keys
from bot.commands.errors import CliError
from bot.content.audio_coverage import Coverage, coverage
from bot.content.catalogs import CatalogError, Catalogs
from bot.content.check import UnreadablePath, check_path
from bot.content.offline import FixedCurricula
from bot.content.preview import PreviewError, format_preview
from bot.content.preview import preview as build_preview
from bot.content.problems import Problem
from bot.content.schema_check import load
from bot.content.stats import format_table, with_audio
from bot.content.stats import stats as count
from bot.domain.curricula import Curricula
from bot.domain.curriculum import Curriculum
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.paths import conversations_dir, locales_dir
from bot.settings import Settings

EXIT_PROBLEMS = 1


def _locales(args: argparse.Namespace) -> Path:
    root = Path(args.locales) if args.locales else locales_dir()
    if not root.is_dir():
        raise CliError(f"{root} is not a folder (--locales names the folder holding <lang>/)")
    return root


def _setup() -> Settings:
    s = settings()
    i18n.configure(s.language_fallbacks)  # FOYER_LANGUAGE_FALLBACKS, as the bot does
    return s


def check(args: argparse.Namespace) -> int:
    s = _setup()
    path = Path(args.path) if args.path else (s.content_dir or conversations_dir())
    try:
        report = check_path(path, locales=_locales(args), settings=s)
    except UnreadablePath as exc:
        raise CliError(str(exc)) from None
    for problem in report.problems:
        print(problem)
    translation_flags = [p for p in report.flagged if _language_of(p)]
    if args.flagged:
        for flag in translation_flags:
            print(flag)
    for other in report.flagged:
        if not _language_of(other):
            print(f"warning: {other}", file=sys.stderr)
    _summary(report.curricula, report.problems, translation_flags)
    return EXIT_PROBLEMS if report.problems else 0


def _language_of(p: Problem) -> str | None:
    lang, sep, _rest = p.text.partition(": ")
    return lang if sep and lang in i18n.LANGUAGE_NAMES else None


def _summary(checked: list[str], problems: list[Problem], flagged: list[Problem]) -> None:
    n = len(problems)
    names = ", ".join(checked) or "no curriculum"
    verdict = "no problems" if n == 0 else f"{n} problem{'s' if n != 1 else ''}"
    print(f"checked {names}: {verdict}", file=sys.stderr)
    strings: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for p in flagged:
        strings.setdefault((p.file, _language_of(p) or ""), set()).add((p.week, p.field))
    for (file, lang), where in sorted(strings.items()):
        chain = " -> ".join(i18n.fallback_chain(lang)[1:])
        print(
            f"flagged, not a failure: {file}: {len(where)} {lang} strings await a native "
            f"speaker's review (missing, fuzzy or outdated); readers see {chain} meanwhile "
            "(--flagged lists them)",
            file=sys.stderr,
        )


def _curricula_for(s: Settings, name: str) -> tuple[Curricula, str]:
    """A curriculum id from the content folder, or a path to one .toml file."""
    path = Path(name)
    if name.endswith(".toml"):
        if not path.is_file():
            raise CliError(f"{path}: no such file")
        cur, problems = load(path)
        if cur is None:
            raise CliError(f"{problems[0]} ('foyer content check {path}' lists every problem)")
        return FixedCurricula([cur], path.parent), cur.id
    return curricula(s), name


def preview(args: argparse.Namespace) -> int:
    s = _setup()
    found, cur_id = _curricula_for(s, args.curriculum)
    lang = args.lang or s.default_language
    try:
        shown = asyncio.run(
            build_preview(
                s,
                found,
                cur_id,
                args.week,
                lang,
                args.role,
                couples_weeks=args.couples_weeks,
                locales=_locales(args),
            )
        )
    except PreviewError as exc:
        raise CliError(str(exc)) from None
    print(format_preview(shown, cur_id, args.week, lang, args.role, raw=args.raw))
    return 0


def stats(args: argparse.Namespace) -> int:
    s = _setup()
    path = Path(args.path) if args.path else (s.content_dir or conversations_dir())
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.toml"))
    else:
        raise CliError(f"{path} is neither a curriculum file nor a folder")
    loaded = []
    for file in files:
        cur, problems = load(file)
        if cur is None:
            raise CliError(f"{problems[0]} ('foyer content check' lists every problem)")
        loaded.append(cur)
    try:
        rows = count(loaded, Catalogs(_locales(args)))
    except CatalogError as exc:
        raise CliError(str(exc)) from None
    rows = with_audio(rows, _audio(s, loaded, files[0].parent))
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    else:
        print(format_table(rows))
    return 0


def _audio(s: Settings, loaded: list[Curriculum], root: Path) -> list[Coverage]:
    """The curricula's audio coverage: their files, and the library when the database is there
    (authors often count without one: then the files alone, said on stderr)."""
    try:
        approved, pending = library_keys(s)
    except CliError as exc:
        print(f"audio: curriculum files only, not the library ({exc})", file=sys.stderr)
        approved, pending = set(), set()
    return coverage(
        loaded,
        root,
        SUPPORTED_LANGUAGES,
        approved=approved,
        pending=pending,
    )
