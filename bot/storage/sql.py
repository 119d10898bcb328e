"""Portable SQL helpers that differ by dialect."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignore(conn: AsyncConnection, table: Table, *index_elements: str) -> Any:
    """INSERT ... ON CONFLICT (cols) DO NOTHING, which SQLite and PostgreSQL both speak."""
    return _insert_ignore(conn.dialect.name == "postgresql", table, index_elements)


@cache
def _insert_ignore(postgres: bool, table: Table, index_elements: tuple[str, ...]) -> Any:
    # Statements are immutable (.values() returns a copy), so one per table is enough, and
    # building it costs more than running it on the sender's and planner's hot paths.
    dialect = postgresql if postgres else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def upsert(
    conn: AsyncConnection, table: Table, index: tuple[str, ...], columns: tuple[str, ...]
) -> Any:
    """INSERT ... ON CONFLICT (index) DO UPDATE SET columns = the new values (both dialects)."""
    return _upsert(conn.dialect.name == "postgresql", table, index, columns)


@cache
def _upsert(postgres: bool, table: Table, index: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    stmt = (postgresql if postgres else sqlite).insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(index), set_={c: stmt.excluded[c] for c in columns}
    )
