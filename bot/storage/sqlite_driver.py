"""aiosqlite with one trip to its thread per statement instead of three or four.

SQLAlchemy's aiosqlite adapter asks the database thread for a cursor, then to execute, then
to fetch the rows, then to close the cursor: each a hand-off between threads, and each
hand-off makes the event loop's thread and the database thread pass the GIL back and forth
(profiled in docs/performance.md: the HTTP code of a check-in press ran twice as slowly as
in a bare bot). Here a cursor is only a Python object until its statement runs; executing
fetches the rows in the same trip, fetching hands them over, and closing rides along with
the next trip. Commits and rollbacks are one trip each, as before.

Used through SQLAlchemy's ``async_creator`` hook, so the dialect, the SQL and the pool are
SQLAlchemy's own (``sqlite+aiosqlite``).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

Row = Any


def _run(
    conn: sqlite3.Connection,
    stale: deque[sqlite3.Cursor],
    sql: str,
    parameters: Any,  # a sequence, or for executemany an iterable of sequences
    many: bool,
) -> tuple[sqlite3.Cursor, list[Row] | None]:
    """On the database thread: close the cursors SQLAlchemy is done with, run, fetch."""
    while stale:
        stale.popleft().close()
    cursor = conn.cursor()
    if many:
        cursor.executemany(sql, parameters)
    else:
        cursor.execute(sql, parameters)
    return cursor, (cursor.fetchall() if cursor.description is not None else None)


class Cursor(aiosqlite.Cursor):
    def __init__(self, conn: Connection) -> None:
        # No sqlite3 cursor yet: it is made on the database thread by the first execute.
        self.iter_chunk_size = conn._iter_chunk_size
        self._conn = conn
        self._cursor: sqlite3.Cursor | None = None  # type: ignore[assignment]
        self._rows: deque[Row] = deque()
        self._closing = False

    async def _run(self, sql: str, parameters: Iterable[Any], many: bool) -> Cursor:
        conn = self._conn
        assert isinstance(conn, Connection)
        if self._cursor is not None and not self._closing:
            conn.stale_cursors.append(self._cursor)
        self._closing = False
        self._cursor, rows = await conn._execute(
            _run, conn._conn, conn.stale_cursors, sql, parameters, many
        )
        self._rows = deque(rows or ())
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Cursor:
        return await self._run(sql, () if parameters is None else parameters, False)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Cursor:
        return await self._run(sql, parameters, True)

    async def fetchone(self) -> Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def fetchall(self) -> list[Row]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        # Keep the sqlite3 cursor: SQLAlchemy reads rowcount and lastrowid after closing.
        self._rows.clear()
        if self._cursor is not None and not self._closing:
            conn = self._conn
            assert isinstance(conn, Connection)
            conn.stale_cursors.append(self._cursor)
            self._closing = True

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize if self._cursor is not None else 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        if self._cursor is not None:
            self._cursor.arraysize = value

    @property
    def description(self) -> Any:
        return self._cursor.description if self._cursor is not None else None

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid if self._cursor is not None else None


class Connection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # Cursors SQLAlchemy closed; the database thread closes them on its next trip.
        self.stale_cursors: deque[sqlite3.Cursor] = deque()
        self._thread.daemon = True  # as SQLAlchemy does for aiosqlite: never block exit

    async def rollback(self) -> None:
        # SQLAlchemy ends every read-only block with a rollback; SQLite began no transaction
        # for a SELECT, so there is nothing to send to the thread.
        if self._conn.in_transaction:
            await super().rollback()

    def cursor(self) -> Cursor:  # type: ignore[override]
        # SQLAlchemy enters it with `await cursor.__aenter__()`, which returns the cursor.
        return Cursor(self)


def creator(url: str) -> Callable[[], Awaitable[Connection]]:
    """An ``async_creator`` for create_async_engine, connecting as SQLAlchemy would."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    (database,) = args

    async def connect() -> Connection:
        conn = Connection(lambda: sqlite3.connect(database, **kwargs))
        await conn  # starts the thread and opens the file there
        return conn

    return connect
