"""The database engine: one async engine per process, SQLite tuned for a small server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# How long a SQLite connection waits for another's lock before it fails: the bot's, and the
# backups taken beside a running bot (bot/storage/backup.py).
BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> AsyncEngine:
    # A connection can end while it waits in the pool (a server drops it; an aiosqlite
    # connection closed beneath the pool): test it when it is taken, so that the pool opens a
    # new one and the next person is not the one who meets the error.
    options: dict[str, Any] = dict(pool_pre_ping=True)
    if url.startswith("sqlite") and ":memory:" not in url:
        # SQLite has one writer at a time anyway: one connection queues the writers here, in
        # asyncio, instead of in SQLite's busy handler (sleeps of 1 ms and more).
        options |= dict(pool_size=1, max_overflow=0)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets readers run beside the writer; NORMAL keeps each commit durable across a
            # process crash (the WAL is in the OS) without an fsync per outbox update.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()

    return engine


def sync_url(url: str) -> str:
    """The sqlite3 URL Alembic uses for a SQLite database (PostgreSQL migrates through asyncpg
    itself: bot/storage/migrate.py)."""
    return url.replace("+aiosqlite", "")


def asyncpg_dsn(url: str) -> str:
    """What asyncpg itself connects to, for a connection outside SQLAlchemy's pool (the
    poller's lock, maintenance statements): the URL without SQLAlchemy's ``+asyncpg``."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
