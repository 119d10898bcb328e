"""foyer db ..."""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.commands.common import (
    DATABASE_ERRORS,
    require_current_db,
    serving_database,
    settings,
    upgrade_database,
)
from bot.commands.errors import CliError
from bot.settings import check_database_url
from bot.storage.copy import CopyRefused, copy_database, same_database, where


def upgrade(args: argparse.Namespace) -> int:
    print(upgrade_database(settings())[1])
    return 0


def copy(args: argparse.Namespace) -> int:
    """`foyer db copy --to URL`: the configured database's rows into an empty one."""
    s = settings()
    target = _target_url(args.to)
    if same_database(s.database_url, target):
        raise CliError(f"--to names the source database itself ({where(target)})")
    # Held throughout, as `foyer run` holds it: nothing serves (and writes) the source meanwhile.
    with serving_database(s.database_url):
        require_current_db(s)
        try:
            counts = asyncio.run(copy_database(s.database_url, target))
        except CopyRefused as exc:
            raise CliError(str(exc)) from None
        except DATABASE_ERRORS as exc:
            raise CliError(_target_problem(target, exc)) from None
    width = max(len(c.table) for c in counts)
    for c in counts:
        print(f"{c.table:<{width}}  {c.source:>9} in the source  {c.target:>9} in the target")
    total = sum(c.target for c in counts)
    print(f"copied {total} rows from {where(s.database_url)} to {where(target)}: every count equal")
    return 0


def _target_url(url: str) -> str:
    """--to checked as FOYER_DATABASE_URL is, in one line that never shows a password."""
    try:
        check_database_url(url)
        make_url(url)
    except (ValueError, ArgumentError) as exc:
        raise CliError(f"--to: {str(exc).splitlines()[0]}") from None
    return url


def _target_problem(url: str, exc: BaseException) -> str:
    """What went wrong on the target, in one line; the copy was rolled back."""
    problem = str(getattr(exc, "orig", None) or exc).splitlines()[0] or type(exc).__name__
    password = make_url(url).password
    if password:
        problem = problem.replace(str(password), "***")
    return f"the database {where(url)}: {problem} (nothing was copied)"
