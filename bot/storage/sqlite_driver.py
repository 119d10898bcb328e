"""SQLite in a process of its own, spoken to through SQLAlchemy's aiosqlite dialect.

aiosqlite runs SQLite on a thread of the bot's process. Each statement then passes the GIL
from the event loop's thread to the database thread and back, and that made the HTTP code
around it dearer: a bare send loop with one commit of 15 messages per 15 sends beside it
cost 0.87 ms of CPU per message against 0.77 ms alone (docs/performance.md, "Fourth round").
Here the connection lives in a child process (``sqlite_server.py``, standard library only):
a statement is one pickle written to a pipe and one read back when the event loop sees the
reply, and no other thread of this process ever wants the GIL.

The child dies with its pipe, so it never outlives the bot process (SIGKILL included) and
SQLite rolls back whatever was uncommitted, as it would have in-process. If the child dies
first, every waiting statement fails as a lost connection, which SQLAlchemy's pool answers
by opening a new one.

Used through ``create_async_engine(async_creator=...)``: the dialect, the SQL and the pool
are SQLAlchemy's own (``sqlite+aiosqlite``); this module only replaces aiosqlite's
connection and cursor with objects that keep the same async interface.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sqlite3
import subprocess
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

from bot.storage.sqlite_server import CLOSE, COMMIT, EXECUTE, FUNCTIONS, HEADER, ROLLBACK, frame

SERVER = Path(__file__).with_name("sqlite_server.py")
READ_CHUNK = 1 << 18
Row = Any
Reply = tuple[bool, Any, bool]

# Matched by the aiosqlite dialect's is_disconnect: the pool drops the connection.
ENDED = "connection closed: the database process ended"


class Cursor:
    """A DB-API cursor whose statement and rows make one trip to the database process."""

    arraysize = 1

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._rows: deque[Row] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _run(self, sql: str, parameters: Any, many: bool) -> Cursor:
        payload = await self._conn.call(EXECUTE, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, rows = payload
        self._rows = deque(rows or ())
        return self

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        return await self._run(sql, () if parameters is None else parameters, False)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        return await self._run(sql, list(parameters), True)

    async def fetchone(self) -> Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Row]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        # rowcount and lastrowid stay readable: SQLAlchemy reads them after closing.
        self._rows.clear()

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Row:
        if not self._rows:
            raise StopAsyncIteration
        return self._rows.popleft()


class Connection:
    """One database process, with the replies it owes in the order they were asked for."""

    isolation_level = ""  # sqlite3's default, which SQLAlchemy's SQLite dialect expects

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        self._requests = process.stdin.fileno()
        self._replies = process.stdout.fileno()
        os.set_blocking(self._replies, False)
        self._buffer = bytearray()
        self._waiting: deque[asyncio.Future[Reply]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.in_transaction = False
        # SQLAlchemy's adapter commits and rolls back only while this is truthy.
        self._connection: bool = True

    @property
    def pid(self) -> int:
        """The database process (the benchmarks read its memory)."""
        return self._process.pid

    @property
    def alive(self) -> bool:
        """False once the database process is gone: its pipe closed, or it has exited."""
        return self._connection and self._process.poll() is None

    @classmethod
    async def open(cls, database: str, kwargs: dict[str, Any]) -> Connection:
        # Popen only forks and execs; asyncio's subprocess transports would add their own
        # buffering and callbacks to every trip, where the pipes are read here directly.
        process = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-I", "-S", str(SERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        conn = cls(process)
        try:
            await conn.call(database, kwargs)  # the first request opens the file
        except BaseException:
            conn.stop()
            raise
        return conn

    async def call(self, *request: Any) -> Any:
        if not self._connection:
            raise sqlite3.OperationalError(ENDED)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._listen(loop)
        future: asyncio.Future[Reply] = loop.create_future()
        self._waiting.append(future)
        try:
            self._write(frame(request))
        except OSError:
            self._ended()
        ok, payload, _ = await future
        if not ok:
            raise payload
        return payload

    def _write(self, data: bytes) -> None:
        # Blocking writes: the process reads every request whole before it answers, so this
        # never waits on a reply. It can wait only when a cancelled caller's statement is
        # still running there and this request is larger than the pipe's buffer (64 KiB).
        view = memoryview(data)
        while view:
            view = view[os.write(self._requests, view) :]

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        # Tests run each case in its own event loop; the process follows the caller's.
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._replies)
        loop.add_reader(self._replies, self._readable)
        self._loop = loop

    def _readable(self) -> None:
        try:
            chunk = os.read(self._replies, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._ended()
            return
        buffer = self._buffer
        buffer += chunk
        while len(buffer) >= HEADER:
            end = HEADER + int.from_bytes(buffer[:HEADER], "big")
            if len(buffer) < end:
                break
            reply: Reply = pickle.loads(buffer[HEADER:end])
            del buffer[:end]
            self.in_transaction = reply[2]
            future = self._waiting.popleft()
            if not future.done():  # a cancelled caller: its statement ran all the same
                future.set_result(reply)

    def _ended(self) -> None:
        """The process is gone: fail whoever waits, and let the pool open a new one."""
        self._connection = False
        self.in_transaction = False
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._replies)
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result((False, sqlite3.OperationalError(ENDED), False))
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        self._process.poll()  # reaps it if it has already exited

    async def create_function(self, name: str, *_args: Any, **_kwargs: Any) -> None:
        # A Python function cannot cross into the other process, which defines the ones
        # SQLAlchemy registers itself.
        if name not in FUNCTIONS:
            raise sqlite3.NotSupportedError(f"SQL function {name!r} in the database process")

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def commit(self) -> None:
        await self.call(COMMIT)

    async def rollback(self) -> None:
        # SQLAlchemy ends every read-only block with a rollback; SQLite began no transaction
        # for a SELECT, so there is nothing to send. Unless a statement is still on its way
        # (its caller was cancelled): it may begin one, so the rollback goes after it.
        if self.in_transaction or self._waiting:
            await self.call(ROLLBACK)

    async def close(self) -> None:
        if not self._connection:
            return
        try:
            await self.call(CLOSE)  # answered once SQLite has closed the file
        except sqlite3.Error:
            pass
        self._ended()
        try:
            self._process.wait(timeout=5)  # it exits right after answering CLOSE
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        """SQLAlchemy's terminate: end the process without asking it."""
        if self._connection:
            self._ended()
        self._process.kill()
        self._process.wait()


def creator(url: str) -> Callable[[], Awaitable[Connection]]:
    """An ``async_creator`` for create_async_engine, connecting as SQLAlchemy would."""
    args, options = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    kwargs = dict(options)
    (database,) = args

    async def connect() -> Connection:
        return await Connection.open(database, kwargs)

    return connect
