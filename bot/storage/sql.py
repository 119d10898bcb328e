"""Portable SQL helpers that differ by dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignore(conn: AsyncConnection, table: Table, *index_elements: str) -> Any:
    """INSERT ... ON CONFLICT (cols) DO NOTHING, which SQLite and PostgreSQL both speak."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
