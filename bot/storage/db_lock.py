"""One serving process per database: a lock file beside a SQLite file, an advisory lock on
PostgreSQL (until several workers share one database: issue 19 point 4).

The sender's claims and the planner's cursors live in each process's memory, so two
`foyer run` on one database would each send the week's prompt. The serving process holds an
exclusive lock on a file beside the database (``foyer.db.lock``, released by the operating
system when the process ends, however it ends) and writes who it is into ``foyer.db.lock.info``,
so a second one can say which process to stop. Commands that only read or write a few rows
(`foyer group create`, `foyer db upgrade`) share the database through SQLite and take no lock;
tests build applications without it, so they can still run two on one file on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy.engine import make_url

LOCK_SUFFIX = ".lock"
# The session advisory lock every `foyer run` on one PostgreSQL database takes ("Foyer").
ADVISORY_KEY = 0x466F796572
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
    """Hold the database for this process, or raise DatabaseLockError naming who holds it."""
    path = database_file(url)
    if path is None:
        if make_url(url).get_backend_name() == "postgresql":
            with _postgres(url):
                yield
        else:
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


@contextlib.contextmanager
def _postgres(url: str) -> Iterator[None]:
    """A session advisory lock, on a connection of its own that a small thread keeps open (this
    runs before the bot's event loop exists). PostgreSQL releases it when that connection ends,
    however the process ends."""
    import asyncpg  # foyer[postgres]: settings checked it is installed for such a URL

    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    where = parsed.render_as_string(hide_password=True)
    taken = threading.Event()
    release = threading.Event()
    outcome: list[bool | BaseException] = []

    def hold() -> None:
        # The thread's own loop, driven one step at a time: nothing else runs on it.
        loop = asyncio.new_event_loop()
        try:
            conn = loop.run_until_complete(asyncpg.connect(dsn, timeout=30))
            try:
                sql = "SELECT pg_try_advisory_lock($1)"
                outcome.append(bool(loop.run_until_complete(conn.fetchval(sql, ADVISORY_KEY))))
                taken.set()
                release.wait()
            finally:
                loop.run_until_complete(conn.close())
        except Exception as exc:  # told to the caller below, as one line
            outcome.append(exc)
        finally:
            taken.set()
            loop.close()

    holder = threading.Thread(target=hold, name="foyer-db-lock", daemon=True)
    holder.start()
    taken.wait(60)
    try:
        if not outcome or isinstance(outcome[0], BaseException):
            reason = type(outcome[0]).__name__ if outcome else "no answer in 60 s"
            raise DatabaseLockError(f"cannot take the serving lock on {where}: {reason}")
        if outcome[0] is False:
            raise DatabaseLockError(
                f"the database {where} is already served by another Foyer: one Foyer serves a "
                "database (and a bot) until several workers are supported; stop that one first"
            )
        yield
    finally:
        release.set()
        holder.join(10)
