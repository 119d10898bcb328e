"""The database engine: one async engine per process, SQLite tuned for a small server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage import sqlite_driver


def make_engine(url: str) -> AsyncEngine:
    # SQLite has one writer at a time anyway: one connection queues the writers here, in
    # asyncio, instead of in SQLite's busy handler (sleeps of 1 ms and more, and a thread each).
    options: dict[str, Any] = {}
    child_process = url.startswith("sqlite") and ":memory:" not in url
    if child_process:
        options = dict(pool_size=1, max_overflow=0, async_creator=sqlite_driver.creator(url))
    elif not url.startswith("sqlite"):
        # A server's connection can drop while it waits in the pool: test it before use.
        options = dict(pool_pre_ping=True)
    engine = create_async_engine(url, **options)
    if child_process:

        @event.listens_for(engine.sync_engine, "checkout")
        def _still_alive(_dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            # The pre-ping of a connection in a child process costs no trip: if the process
            # ended while the connection waited in the pool, the pool opens a new one, and the
            # next person is not the one who meets the error.
            driver = record.driver_connection
            if isinstance(driver, sqlite_driver.Connection) and not driver.alive:
                raise exc.DisconnectionError("the database process ended")

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets readers run beside the writer; NORMAL keeps each commit durable across a
            # process crash (the WAL is in the OS) without an fsync per outbox update.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

    return engine


def sync_url(url: str) -> str:
    """The synchronous driver URL Alembic uses for the same database."""
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
