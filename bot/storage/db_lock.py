"""One serving process per SQLite file: a lock file beside it. (Several `foyer run` may share a
PostgreSQL database: its advisory locks keep the poller and the jobs to one worker each,
bot/storage/advisory.py, and the outbox claims keep each message to one sender.)

One process serves a SQLite file: SQLite has one writer at a time, and the sender takes rows
left `sending` at start for a dead process's. The serving process holds an exclusive lock on
a file beside the database (``foyer.db.lock``, released by the operating
system when the process ends, however it ends) and writes who it is into ``foyer.db.lock.info``,
so a second one can say which process to stop. Commands that only read or write a few rows
(`foyer group create`, `foyer db upgrade`) share the database through SQLite and take no lock;
tests build applications without it, so they can still run two on one file on purpose.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy.engine import make_url

LOCK_SUFFIX = ".lock"
INFO_SUFFIX = ".lock.info"


class DatabaseLockError(Exception):
    """The database cannot be held: another process serves it (the message names it), or the
    lock file cannot be made. The message is one line for the operator."""


def database_file(url: str) -> Path | None:
    """The SQLite file a URL opens (a ``file:`` URI too); None for memory or another engine."""
    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("sqlite"):
        return None
    database = parsed.database or ""
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database).resolve()


def _holder() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _describe(info_path: Path) -> str:
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        started = datetime.fromisoformat(info["started"]).strftime("%Y-%m-%d %H:%M UTC")
        return f"process {int(info['pid'])} on {info['host']}, running since {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"a process that left no details in {info_path.name}"


@contextlib.contextmanager
def serving(url: str) -> Iterator[None]:
    """Hold a SQLite file for this process, or raise DatabaseLockError naming who holds it;
    any other database (PostgreSQL, SQLite in memory) is shared: nothing to hold."""
    path = database_file(url)
    if path is None:
        yield
        return
    lock = FileLock(str(path) + LOCK_SUFFIX, timeout=0)
    info = Path(str(path) + INFO_SUFFIX)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseLockError(
            f"the database {path} is already served by {_describe(info)}: one Foyer serves a "
            "database (and a bot); stop that one first"
        ) from None
    except OSError as exc:
        raise DatabaseLockError(
            f"cannot make the lock file beside the database {path}: {exc.strerror or exc}"
        ) from None
    try:
        info.write_text(json.dumps(_holder()), encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            info.unlink()
        lock.release()
