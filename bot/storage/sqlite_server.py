"""The database process: one SQLite connection, served over its stdin and stdout.

Run by ``bot.storage.sqlite_driver`` as ``python -I -S sqlite_server.py``, so it imports the
standard library only and starts in a few milliseconds. Each request is a length-prefixed
pickle from the bot process, which is its only peer (a pipe, never a socket), and each gets
exactly one reply, in order:

  request  (EXECUTE, sql, parameters, many) | (COMMIT,) | (ROLLBACK,) | (CLOSE,)
  reply    (True, payload, in_transaction) | (False, exception, in_transaction)

The first request is ``(database, connect_kwargs)``. It exits when the bot process closes the
pipe, whether by CLOSE or by dying (SIGKILL included): SQLite then rolls back whatever was not
committed, exactly as if the bot process had held the connection itself.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import signal
import sqlite3
import sys
from typing import Any, BinaryIO

EXECUTE, COMMIT, ROLLBACK, CLOSE = range(4)
HEADER = 4  # bytes of big-endian length before each pickle


def read_frame(stream: BinaryIO) -> Any | None:
    header = stream.read(HEADER)
    if len(header) < HEADER:
        return None  # the bot process is gone
    size = int.from_bytes(header, "big")
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)


def frame(message: Any) -> bytes:
    body = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return len(body).to_bytes(HEADER, "big") + body


def portable(error: BaseException) -> BaseException:
    """The error itself if it survives pickling, else an sqlite3.Error saying what it was."""
    try:
        pickle.loads(pickle.dumps(error, pickle.HIGHEST_PROTOCOL))
        return error
    except Exception:
        return sqlite3.Error(f"{type(error).__name__}: {error}")


def regexp(pattern: str, value: str | None) -> bool | None:
    return None if value is None else re.search(pattern, value) is not None


# What SQLAlchemy's SQLite dialect registers on every connection through create_function,
# defined here the same way because a Python function cannot cross into this process.
FUNCTIONS: dict[str, tuple[int, Any]] = {"regexp": (2, regexp), "floor": (1, math.floor)}


def handle(conn: sqlite3.Connection, request: tuple[Any, ...]) -> Any:
    kind = request[0]
    if kind == EXECUTE:
        _, sql, parameters, many = request
        cursor = conn.cursor()
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            rows = cursor.fetchall() if cursor.description is not None else None
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows
        finally:
            cursor.close()
    if kind == COMMIT:
        conn.commit()
    elif kind == ROLLBACK:
        conn.rollback()
    else:
        raise sqlite3.ProgrammingError(f"unknown request {kind!r}")
    return None


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    opened = read_frame(requests)
    if opened is None:
        return
    database, kwargs = opened
    try:
        conn = sqlite3.connect(database, **kwargs)
    except Exception as error:
        replies.write(frame((False, portable(error), False)))
        replies.flush()
        return
    for name, (arity, function) in FUNCTIONS.items():
        conn.create_function(name, arity, function, deterministic=True)
    replies.write(frame((True, None, False)))
    replies.flush()
    try:
        while (request := read_frame(requests)) is not None and request[0] != CLOSE:
            try:
                reply = (True, handle(conn, request), conn.in_transaction)
            except Exception as error:
                reply = (False, portable(error), conn.in_transaction)
            replies.write(frame(reply))
            replies.flush()
    finally:
        conn.close()
    replies.write(frame((True, None, False)))  # the answer to CLOSE
    replies.flush()


def main() -> None:
    # Ctrl-C or a service manager's SIGTERM reaches the whole process group: this process
    # waits for the bot process to finish its shutdown and close the pipe instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:
        # The bot process died between a request and its reply. Point stdout at devnull so
        # that the interpreter's last flush at exit has nowhere to fail (Python's own advice).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
