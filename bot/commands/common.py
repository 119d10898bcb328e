"""Shared set-up for command-line commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.commands.errors import CliError
from bot.domain.curricula import Curricula
from bot.domain.curriculum import CurriculumError
from bot.infra.clock import SystemClock
from bot.runtime import Runtime
from bot.settings import Settings, load_settings
from bot.storage import db_lock, migrate
from bot.storage.copy import where
from bot.storage.db import make_engine

T = TypeVar("T")


def settings() -> Settings:
    return load_settings()


# What opening, reading or writing the database can raise, each turned into one line.
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error, CommandError, OSError)


def database_where(s: Settings) -> str:
    """The database as the operator should see it: the absolute file path (a relative
    FOYER_DATABASE_URL depends on the folder Foyer runs in), or the URL without its password."""
    return where(s.database_url)


def database_problem(s: Settings, exc: BaseException) -> CliError:
    """One line naming the database and what is wrong with it, instead of a traceback."""
    problem = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    hint = ""
    if "readonly" in problem or "read-only" in problem:
        hint = " (Foyer writes to the file and creates files beside it: check the permissions)"
    return CliError(f"the database {database_where(s)}: {problem}{hint}")


_CREATE_IT = "create it with 'foyer db upgrade' (or 'foyer run --upgrade')"


def require_database_file(s: Settings) -> None:
    """Only `db upgrade` creates a database: opening a SQLite file that is not there would
    leave an empty one behind, and a relative path may simply be run from another folder."""
    path = db_lock.database_file(s.database_url)
    if path is not None and not path.exists():
        raise CliError(f"no database at {path}: {_CREATE_IT}, or set FOYER_DATABASE_URL")


@contextlib.contextmanager
def serving_database(url: str) -> Iterator[None]:
    """This process serves the database: a second `foyer run` (or sandbox) on it refuses."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(db_lock.serving(url))
        except db_lock.DatabaseLockError as exc:
            raise CliError(str(exc)) from None
        yield


def foyer_version() -> str:
    """The installed Foyer's version, as `foyer --version` says it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("foyer")
    except PackageNotFoundError:  # a source tree that was never installed
        return "(not installed)"


def newer_foyer(where: str, revision: str) -> CliError:
    """A database (or backup) a newer Foyer migrated: migrations only go forward, so the way
    back is the newer version or the backup taken before the upgrade."""
    return CliError(
        f"{where} was migrated by a newer Foyer (revision {revision}, unknown to foyer "
        f"{foyer_version()}): install that newer version again, or restore the backup taken "
        "before the upgrade into an empty database (docs/backups.md)"
    )


def _refuse_newer(s: Settings, revision: str | None) -> None:
    if revision is not None and not migrate.is_known(revision):
        raise newer_foyer(f"the database {database_where(s)}", revision)


def upgrade_database(s: Settings) -> tuple[bool, str]:
    """Create or upgrade the database: whether anything changed, and one line saying what,
    naming the database. A database ahead of this code is refused, never touched."""
    path = db_lock.database_file(s.database_url)
    existed = path is None or path.exists()
    try:
        before = migrate.current_revision(s.database_url) if existed else None
        _refuse_newer(s, before)
        migrate.upgrade(s.database_url)
    except DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None
    head = migrate.head_revision()
    where = database_where(s)
    if not existed:
        return True, f"created the database {where} (revision {head})"
    if before is None:
        return True, f"created Foyer's tables in the database {where} (revision {head})"
    if before == head:
        return False, f"the database {where} is already up to date (revision {head})"
    return True, f"upgraded the database {where} from revision {before} to {head}"


def require_current_db(s: Settings) -> None:
    require_database_file(s)
    try:
        current = migrate.current_revision(s.database_url)
    except DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None
    if current is None:
        raise CliError(f"the database {database_where(s)} has no Foyer tables yet: {_CREATE_IT}")
    _refuse_newer(s, current)
    if current != migrate.head_revision():
        raise CliError(
            f"the database {database_where(s)} is not up to date: run 'foyer db upgrade' first "
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
    except DATABASE_ERRORS as exc:
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


NO_TOKEN = "needs the bot username: set FOYER_BOT_TOKEN"


@dataclass(frozen=True)
class BotUsername:
    """The bot's username for invite links, or why Foyer could not learn it."""

    name: str | None
    missing: str = NO_TOKEN  # said in place of the link when name is None

    def link(self, code: str) -> str | None:
        return f"https://t.me/{self.name}?start={code}" if self.name else None

    def shown(self, code: str) -> str:
        return self.link(code) or f"({self.missing})"


def bot_username(s: Settings) -> BotUsername:
    """Ask the Bot API who we are, so invite links are complete."""
    if not s.bot_token:
        return BotUsername(None)
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.infra.log_setup import redacted
    from bot.infra.reach import unreachable

    async def who() -> BotUsername:
        bot = Bot(s.bot_token or "", base_url=s.bot_api_base_url)
        try:
            async with bot:
                return BotUsername(bot.username)
        except InvalidToken:
            return BotUsername(
                None,
                f"the bot username is unknown: the Bot API at {s.bot_api_url} does not accept "
                "FOYER_BOT_TOKEN; check the token (@BotFather)",
            )
        except NetworkError as exc:
            problem = redacted(unreachable(s.bot_api_url, exc), s.bot_token)
            return BotUsername(None, f"the bot username is unknown: {problem}")
        except TelegramError as exc:
            problem = redacted(exc.message, s.bot_token)
            return BotUsername(None, f"the bot username is unknown: Telegram answered {problem}")

    return asyncio.run(who())


LINK_BY_HAND = "The link is https://t.me/<bot username>?start=<invite code>."


def print_invite(
    who: str, code: str, username: BotUsername, days: int, group: int | None, as_json: bool
) -> None:
    """A one-time staff invitation as the CLI prints it (who: "facilitator", "partner contact")."""
    if as_json:
        print(json.dumps({"invite_code": code, "invite_link": username.link(code), "group": group}))
        return
    print(f"{who} invite code: {code}")
    print(f"{who} invite link: {username.shown(code)}")
    if username.name is None:
        print(LINK_BY_HAND)
    print(f"it works once and expires in {days} days")


def on_current_db(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``work`` on the configured database, which must exist and be up to date."""
    s = settings()
    require_current_db(s)
    return with_runtime(s, work)


def invite_command(
    args: argparse.Namespace,
    who: str,
    days: int,
    create: Callable[[Runtime], Awaitable[str | None]],
) -> int:
    """`foyer facilitator invite`, `foyer partner-contact invite`: a one-time staff link for
    ``args.group`` (``create`` answers None when there is no such group)."""
    s = settings()
    require_current_db(s)
    code = with_runtime(s, create)
    if code is None:
        raise CliError(f"there is no group {args.group}")
    print_invite(who, code, bot_username(s), days, args.group, args.json)
    return 0


def print_listing(
    rows: list[dict[str, Any]], as_json: bool, empty: str, line: Callable[[dict[str, Any]], str]
) -> None:
    """A list command's rows: JSON, or one line a row (``empty`` when there is none)."""
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        print(empty)
    for row in rows:
        print(line(row))
