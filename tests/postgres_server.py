"""The PostgreSQL server the tests may use: FOYER_TEST_POSTGRES_URL names a database on it that
the tests may use to create and drop their own (`.ci/run` starts a throwaway cluster and sets
it; the README says how to do the same by hand). Each test gets a fresh database copied from a
template migrated once per run, which takes a few milliseconds."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import Iterator

import asyncpg
from sqlalchemy.engine import make_url

from bot.storage import migrate
from bot.storage.db import asyncpg_dsn

URL_VARIABLE = "FOYER_TEST_POSTGRES_URL"
URL = os.environ.get(URL_VARIABLE) or None

_names = itertools.count()


def _url_of(database: str) -> str:
    assert URL is not None
    return make_url(URL).set(database=database).render_as_string(hide_password=False)


async def _admin(*statements: str) -> None:
    """Statements run on the maintenance database (CREATE/DROP DATABASE cannot run inside one
    being copied or dropped)."""
    assert URL is not None
    dsn = asyncpg_dsn(URL)
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _name(kind: str) -> str:
    return f"foyer_{kind}_{os.getpid()}_{next(_names)}"


@contextlib.contextmanager
def migrated_template() -> Iterator[str]:
    """A database migrated to the head revision, for fresh_database to copy; dropped at the end."""
    name = _name("template")
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    try:
        migrate.upgrade(_url_of(name))
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def fresh_database(template: str = "template0") -> Iterator[str]:
    """A new database copied from the template (an empty one by default), dropped afterwards
    (connections a failed test left open are ended first)."""
    name = _name("test")
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _url_of(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
