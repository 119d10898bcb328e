"""Shared set-up for command-line commands."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli import CliError
from bot.clock import SystemClock
from bot.content.registry import Curricula
from bot.domain.curriculum import CurriculumError
from bot.runtime import Runtime
from bot.settings import Settings, load_settings
from bot.storage import db_lock, migrate
from bot.storage.db import make_engine

T = TypeVar("T")


def settings() -> Settings:
    return load_settings()


# What opening, reading or writing the database can raise, each turned into one line.
_DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error, CommandError, OSError)


def database_problem(s: Settings, exc: BaseException) -> CliError:
    """One line naming the database and what is wrong with it, instead of a traceback."""
    url = s.database_url
    where = db_lock.database_file(url) or make_url(url).render_as_string(hide_password=True)
    problem = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    hint = ""
    if "readonly" in problem or "read-only" in problem:
        hint = " (Foyer writes to the file and creates files beside it: check the permissions)"
    return CliError(f"the database {where}: {problem}{hint}")


@contextlib.contextmanager
def serving_database(url: str) -> Iterator[None]:
    """This process serves the database: a second `foyer run` (or sandbox) on it refuses."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(db_lock.serving(url))
        except db_lock.DatabaseLockError as exc:
            raise CliError(str(exc)) from None
        yield


def upgrade_database(s: Settings) -> None:
    try:
        migrate.upgrade(s.database_url)
    except _DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None


def require_current_db(s: Settings) -> None:
    try:
        current = migrate.is_current(s.database_url)
    except _DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None
    if not current:
        raise CliError(
            "the database is not up to date: run 'foyer db upgrade' first "
            "(or 'foyer run --upgrade')"
        )


def require_writable_db(s: Settings) -> None:
    """Open the database as the bot will and start a write that changes nothing, so a
    read-only file is one line at start, not a traceback from every job later."""

    async def probe() -> None:
        engine = make_engine(s.database_url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
                await conn.rollback()
        finally:
            await engine.dispose()

    try:
        asyncio.run(probe())
    except _DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None


def curricula(s: Settings) -> Curricula:
    try:
        return Curricula(s.content_dir)
    except CurriculumError as exc:
        # One line, as for every bad input; `foyer content check` lists them all.
        first, *rest = str(exc).splitlines() or ["a curriculum file cannot be read"]
        more = f" (and {len(rest)} more: run 'foyer content check')" if rest else ""
        raise CliError(first + more) from None


def with_runtime(s: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run one async piece of work with a database engine that is closed afterwards."""

    async def go() -> T:
        rt = Runtime(
            settings=s,
            engine=make_engine(s.database_url),
            clock=SystemClock(),
            curricula=curricula(s),
        )
        try:
            return await work(rt)
        finally:
            await rt.engine.dispose()

    return asyncio.run(go())


def print_invite(
    who: str, code: str, link: str | None, days: int, group: int | None, as_json: bool
) -> None:
    """A one-time staff invitation as the CLI prints it (who: "facilitator", "partner contact")."""
    if as_json:
        print(json.dumps({"invite_code": code, "invite_link": link, "group": group}))
        return
    print(f"{who} invite code: {code}")
    print(f"{who} invite link: {link or '(needs the bot username: set FOYER_BOT_TOKEN)'}")
    print(f"it works once and expires in {days} days")
