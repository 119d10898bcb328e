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


async def catch_up_ids(conn: AsyncConnection, *tables: Table) -> None:
    """After rows were written with their ids given (a seed, a copy), make the next id the
    database hands out follow them. SQLite takes max(id) + 1 by itself; PostgreSQL's id
    sequence knows nothing of ids it did not hand out, and would give one already taken."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        name = conn.dialect.identifier_preparer.format_table(table)
        await conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
        )
