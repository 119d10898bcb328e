"""`foyer db copy`: every row of Foyer's tables from one database to another, all or nothing.

The whole copy is one transaction on the target: the emptiness check, the migration to head
(PostgreSQL's DDL is transactional, so a failed copy leaves no tables either), the rows, the
id sequences and the final count comparison. Any failure rolls it all back, so the target is
left as it was and a re-run starts clean; a finished copy is refused as non-empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, inspect, pool, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.storage import db_lock, migrate
from bot.storage.db import make_engine
from bot.storage.sql import catch_up_ids
from bot.storage.tables import metadata

BATCH_ROWS = 1000


class CopyRefused(Exception):
    """The copy did not happen and the target is unchanged; the message is one line."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def where(url: str) -> str:
    """A database as the operator should see it: the SQLite file, or the URL without password."""
    path = db_lock.database_file(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def same_database(a: str, b: str) -> bool:
    """Whether two URLs open one database (the same file, or one server's same database
    whoever logs in)."""
    file_a, file_b = db_lock.database_file(a), db_lock.database_file(b)
    if file_a is not None or file_b is not None:
        return file_a == file_b
    ua, ub = make_url(a), make_url(b)
    return (ua.get_backend_name(), ua.host, ua.port or 5432, ua.database) == (
        ub.get_backend_name(),
        ub.host,
        ub.port or 5432,
        ub.database,
    )


async def copy_database(source_url: str, target_url: str) -> list[TableCount]:
    """Copy every row; return each table's counts, equal on both sides (else nothing is kept)."""
    source = make_engine(source_url)
    target = create_async_engine(target_url, poolclass=pool.NullPool)
    try:
        async with source.connect() as src, target.begin() as dst:
            await _refuse_rows(dst, target_url)
            await dst.run_sync(migrate.upgrade_on, target_url)
            for table in metadata.sorted_tables:
                await _copy_table(src, dst, table)
            # Tables keyed by something else (handled_update, service_mark) have no sequence.
            await catch_up_ids(dst, *(t for t in metadata.sorted_tables if "id" in t.c))
            counts = [
                TableCount(t.name, await _count(src, t), await _count(dst, t))
                for t in metadata.sorted_tables
            ]
            differ = [c for c in counts if c.source != c.target]
            if differ:  # raising rolls the target back
                c = differ[0]
                raise CopyRefused(
                    f"table {c.table}: {c.source} rows in the source but {c.target} copied "
                    "(did something write to the source meanwhile?); nothing was kept, run "
                    "it again"
                )
            return counts
    finally:
        await source.dispose()
        await target.dispose()


async def _refuse_rows(dst: AsyncConnection, target_url: str) -> None:
    """One row in any of Foyer's tables and the target is someone's data: refuse it."""
    present = set(await dst.run_sync(lambda conn: inspect(conn).get_table_names()))
    for table in metadata.sorted_tables:
        if table.name in present and (n := await _count(dst, table)):
            raise CopyRefused(
                f"the target {where(target_url)} is not empty: table {table.name} has "
                f"{'a row' if n == 1 else f'{n} rows'}; db copy only fills an empty database"
            )


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table) -> None:
    """Rows in id order, in batches. A column pointing into its own table (a partner's
    membership) is written afterwards, so a row may point to one copied later."""
    own = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    later: list[dict[str, Any]] = []
    rows = await src.stream(select(table).order_by(*table.primary_key))
    async for part in rows.partitions(BATCH_ROWS):
        batch = [dict(r._mapping) for r in part]
        for row in batch:
            if any(row[c] is not None for c in own):
                later.append({"row_id": row["id"]} | {f"new_{c}": row[c] for c in own})
                row.update(dict.fromkeys(own, None))
        await dst.execute(insert(table), batch)
    if later:
        await dst.execute(_set_own(table, own), later)


def _set_own(table: Table, columns: Sequence[str]) -> Any:
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )
