"""Shared set-up for command-line commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.cli import CliError
from bot.clock import SystemClock
from bot.content.registry import Curricula
from bot.domain.curriculum import CurriculumError
from bot.runtime import Runtime
from bot.settings import Settings, load_settings
from bot.storage import migrate
from bot.storage.db import make_engine

T = TypeVar("T")


def settings() -> Settings:
    return load_settings()


def require_current_db(s: Settings) -> None:
    if not migrate.is_current(s.database_url):
        raise CliError(
            "the database is not up to date: run 'foyer db upgrade' first "
            "(or 'foyer run --upgrade')"
        )


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
