"""Alembic environment: migrates on the connection bot.storage.migrate hands it (sqlite3 for
SQLite, asyncpg through run_sync for PostgreSQL), with metadata from bot.storage.tables.
Given only a URL (Alembic's own commands on a SQLite file), it opens the sync driver itself."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from bot.storage.db import sync_url
from bot.storage.tables import metadata

config = context.config


def _migrate(conn: Connection) -> None:
    # SQLite cannot alter a table in place: batch mode copies it; PostgreSQL alters directly.
    context.configure(
        connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    conn = config.attributes.get("connection")
    if isinstance(conn, Connection):
        _migrate(conn)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    with engine.begin() as own:
        _migrate(own)
    engine.dispose()


run_migrations()
