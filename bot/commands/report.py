"""foyer report programme: the programme-wide report across every group (docs/indicators.md).

Without a file flag it prints the key numbers. Each output is one entry of WRITERS: its flag
(a file), any flags of its own, and the function that writes it, imported only when asked for.
This module is imported by bot/cli.py to build `foyer --help`: only light imports at its top.
"""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.errors import CliError

if TYPE_CHECKING:
    from bot.reports.programme import ProgrammeReport

LANGUAGES = ("en", "fr", "es", "bm")


@dataclass(frozen=True)
class Flag:
    name: str  # "--mapping"
    metavar: str
    help: str


@dataclass(frozen=True)
class Writer:
    """One output of the report. ``target`` is "module:function", called as
    ``function(report, path, args)`` in the report's language; it raises CliError for a
    problem of its own input (a mapping file, say)."""

    flag: Flag  # the file to write, e.g. Flag("--html", "FILE", "...")
    target: str
    extra: tuple[Flag, ...] = ()


WriteFunction = Callable[["ProgrammeReport", Path, argparse.Namespace], None]

# The outputs, one line each (the HTML, CSV and DHIS2 writers add theirs here).
WRITERS: tuple[Writer, ...] = ()


def dest(flag: Flag) -> str:
    return flag.name.lstrip("-").replace("-", "_")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser(
        "report",
        help="reports across groups",
        description="Reports across every group, for the people who run and fund the programme.",
    )
    kinds = rep.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    prog = kinds.add_parser(
        "programme",
        help="the programme's indicators over a period, by group, region, language and month",
        description="Count the programme's indicators (docs/indicators.md) from --from to --to "
        "by group, country, region, curriculum, language and month (or ISO week), hide every "
        "count under FOYER_MIN_COUNT and those that would let one be worked out, and print "
        "the key numbers or write the files asked for.",
    )
    prog.add_argument("--from", dest="start", required=True, metavar="DATE", help="YYYY-MM-DD")
    prog.add_argument(
        "--to", dest="end", required=True, metavar="DATE", help="YYYY-MM-DD, included"
    )
    prog.add_argument("--country", help="only the groups of this two-letter country code, e.g. ML")
    prog.add_argument(
        "--period", choices=("month", "week"), default="month", help="calendar months (default) "
        "or ISO weeks",
    )  # fmt: skip
    prog.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language")
    prog.add_argument(
        "--safeguarding",
        action="store_true",
        help="add help shown and concerns filed: for admins and focal points only, never for a "
        "donor or a facilitator",
    )
    for w in WRITERS:
        for f in (w.flag, *w.extra):
            prog.add_argument(f.name, dest=dest(f), metavar=f.metavar, help=f.help)
    prog.set_defaults(func=programme)


def _day(text: str, flag: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise CliError(f"{flag} {text!r}: give a date as YYYY-MM-DD, e.g. 2026-01-31")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{flag} {text!r} is not a date in the calendar") from None


def _writer(w: Writer) -> WriteFunction:
    module, _, name = w.target.partition(":")
    func: WriteFunction = getattr(importlib.import_module(module), name)
    return func


def programme(args: argparse.Namespace) -> int:
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if end < start:
        raise CliError(f"--to {end} is before --from {start}")
    country = args.country.strip().upper() if args.country else None
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise CliError(f"--country {args.country!r}: give a two-letter country code, e.g. ML")
    for w in WRITERS:  # a missing companion flag is said before any counting
        if getattr(args, dest(w.flag)):
            for f in w.extra:
                if not getattr(args, dest(f)):
                    raise CliError(f"{w.flag.name} needs {f.name} {f.metavar}")
    # The heavy parts only now, so `foyer --help` stays instant.
    from bot.commands.common import on_current_db
    from bot.i18n import use_language
    from bot.reports.programme_build import build
    from bot.reports.programme_text import key_numbers

    report = on_current_db(
        lambda rt: build(
            rt.engine,
            rt.curricula,
            start=start,
            end=end,
            country=country,
            period_kind=args.period,
            min_count=rt.settings.min_count,
            audience="safeguarding" if args.safeguarding else "programme",
        )
    )
    wrote = False
    with use_language(args.lang):
        for w in WRITERS:
            path = getattr(args, dest(w.flag))
            if path:
                _writer(w)(report, Path(path), args)
                print(f"wrote {path}")
                wrote = True
        if not wrote:
            print("\n".join(key_numbers(report)))
    return 0
