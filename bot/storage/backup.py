"""`foyer db backup FILE`: a consistent copy of a database that may be serving meanwhile.

SQLite: the online backup API in one step, which reads one snapshot (WAL lets the bot write
beside it) and waits out a lock as the bot does (BUSY_TIMEOUT_MS). PostgreSQL: pg_dump in its
custom format, itself one snapshot. Neither takes the serving lock: a backup runs beside
`foyer run`.

The copy is written under a temporary name beside FILE (``.FILE.xxxx.partial``) and gets
FILE's name only once complete, so an interrupted backup never looks like a finished one; an
existing FILE is never replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.storage import db_lock, migrate, pg_tools
from bot.storage.db import BUSY_TIMEOUT_MS

SQLITE_HEADER = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # pg_dump's custom format
HOW = {"sqlite": "SQLite online backup", "postgresql": "PostgreSQL pg_dump, custom format"}


class BackupRefused(Exception):
    """Nothing was written (or restored); the message is one line for the operator."""


@dataclass(frozen=True)
class Backup:
    """A backup file and what it holds."""

    path: Path
    backend: str  # "sqlite" or "postgresql"
    revision: str  # the database's migration revision when it was taken

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def take(url: str, file: Path) -> Backup:
    """Back the database up into FILE, which must not exist yet."""
    file = file.absolute()
    if file.exists():
        raise BackupRefused(
            f"{file} already exists: a backup never replaces a file; give a new name"
        )
    if not file.parent.is_dir():
        raise BackupRefused(f"there is no folder {file.parent} to write the backup into")
    backend = backend_of(url)
    fd, name = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        revision = _sqlite(url, partial) if backend == "sqlite" else _postgresql(url, partial)
        _sync(partial)
        _publish(partial, file)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return Backup(file, backend, revision)


def _sqlite(url: str, partial: Path) -> str:
    source = db_lock.database_file(url)
    if source is None:
        raise BackupRefused("FOYER_DATABASE_URL names a database in memory: nothing to back up")
    if not source.is_file():
        raise BackupRefused(f"no database at {source}: nothing to back up")
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # every page in one step: one consistent snapshot
        # One self-contained file (no -wal beside it), whatever the bot's journal mode.
        dst.execute("PRAGMA journal_mode=DELETE")
        revision = revision_in(dst)
    finally:
        dst.close()
        src.close()
    if revision is None:
        raise BackupRefused(f"the database {source} has no Foyer tables: nothing to back up")
    return revision


def revision_in(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision a SQLite database holds, None without Foyer's tables."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return None if row is None else str(row[0])


def _postgresql(url: str, partial: Path) -> str:
    revision = migrate.current_revision(url)
    if revision is None:
        raise BackupRefused("the database has no Foyer tables: nothing to back up")
    pg_tools.run(tool("pg_dump", url), ["--format=custom", f"--file={partial}"], url)
    with partial.open("rb") as f:
        if f.read(len(PG_MAGIC)) != PG_MAGIC:  # never publish what is not a dump
            raise BackupRefused("pg_dump wrote no custom-format archive; nothing was kept")
    return revision


def tool(name: str, url: str) -> str:
    """A PostgreSQL client tool on PATH, or one line naming the server's major version."""
    found = shutil.which(name)
    if found is None:
        raise pg_tools.missing(name, _server_major(url))
    return found


def _server_major(url: str) -> int | None:
    try:
        number = migrate.with_connection(
            url, lambda conn: conn.exec_driver_sql("SHOW server_version_num").scalar_one()
        )
        return int(number) // 10000
    except Exception:  # only to word the advice: a server we cannot ask names no version
        return None


def _sync(path: Path) -> None:
    """On disk before it gets its name, so a power cut cannot leave a named, empty backup."""
    with path.open("r+b") as f:
        os.fsync(f.fileno())


def _publish(partial: Path, file: Path) -> None:
    """Give the finished backup its name, never over a file that appeared meanwhile."""
    try:
        os.link(partial, file)  # fails if FILE exists: no replacing, even in a race
    except FileExistsError:
        raise BackupRefused(f"{file} appeared meanwhile: nothing replaced it") from None
    except OSError:  # a file system without hard links (FAT, some shares)
        if file.exists():
            raise BackupRefused(f"{file} appeared meanwhile: nothing replaced it") from None
        os.replace(partial, file)
