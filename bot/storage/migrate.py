"""Alembic, driven from code: `foyer db upgrade` and the start-up check share this.

SQLite migrates through Python's own sqlite3; PostgreSQL through the same asyncpg driver the bot
serves with (SQLAlchemy's run_sync), so `foyer[postgres]` needs no second driver. Both block
the caller, as a migration should: called inside an event loop (a seed, a test), PostgreSQL's
runs on a loop of its own in another thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.advisory import Lock
from bot.storage.db import sync_url

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"

T = TypeVar("T")


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url)
    return cfg


def with_connection(database_url: str, work: Callable[[Connection], T]) -> T:
    """Run work on a connection to the database, in one transaction committed at the end."""
    if not database_url.startswith("postgresql"):
        engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
        try:
            with engine.begin() as conn:
                return work(conn)
        finally:
            engine.dispose()

    async def on_server() -> T:
        async_engine = create_async_engine(database_url, poolclass=pool.NullPool)
        try:
            async with async_engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await async_engine.dispose()

    return _blocking(on_server())


def _blocking(work: Coroutine[object, object, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


def upgrade(database_url: str) -> None:
    with_connection(database_url, lambda conn: upgrade_on(conn, database_url))


def upgrade_on(conn: Connection, database_url: str) -> None:
    """Migrate to head on this connection, inside its transaction (env.py uses it)."""
    if conn.dialect.name == "postgresql":
        # Workers started together with --upgrade: one migrates, the others wait for its
        # commit and then find the database current (SQLite: one process serves a file).
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(Lock.MIGRATE)})
    cfg = alembic_config(database_url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str | None:
    return _scripts().get_current_head()


def is_known(revision: str) -> bool:
    """Whether this code has the migration that made ``revision``. A database at an unknown
    one was migrated by a newer Foyer: migrations only go forward, so this code must not serve
    or migrate it (it would misread tables it does not know)."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:  # alembic's ResolutionError: no such revision in these scripts
        return False


def current_revision(database_url: str) -> str | None:
    return with_connection(
        database_url, lambda conn: MigrationContext.configure(conn).get_current_revision()
    )


def is_current(database_url: str) -> bool:
    return current_revision(database_url) == head_revision()
