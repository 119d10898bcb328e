"""Alembic environment: synchronous driver, metadata from bot.storage.tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bot.storage.tables import metadata

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
