"""`foyer db restore FILE`: a backup into an empty database, checked before anything is written.

A file is read as a backup of the configured backend only: a SQLite backup (its header, it
opens, passes SQLite's quick check and holds alembic_version) for a SQLite URL, a pg_dump
custom-format archive (its magic, then pg_restore reads its table of contents and its
alembic_version rows) for PostgreSQL. The restore itself is all or nothing: SQLite's backup
API writes the target in one transaction, pg_restore runs in one (--single-transaction,
--exit-on-error).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, inspect
from sqlalchemy.engine import make_url

from bot.storage import db_lock, migrate, pg_tools
from bot.storage.backup import (
    PG_MAGIC,
    SQLITE_HEADER,
    Backup,
    BackupRefused,
    backend_of,
    revision_in,
    tool,
)
from bot.storage.db import BUSY_TIMEOUT_MS
from bot.storage.tables import metadata

NAMES = {"sqlite": "a SQLite database", "postgresql": "a PostgreSQL database"}


def read_backup(file: Path, url: str) -> Backup:
    """What FILE holds, if it is a Foyer backup the URL's database can take."""
    file = file.absolute()
    if not file.is_file():
        raise BackupRefused(f"there is no backup file at {file}")
    with file.open("rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if not head:
        raise BackupRefused(f"{file} is empty: it is not a backup")
    if head == SQLITE_HEADER:
        kind = "sqlite"
    elif head.startswith(PG_MAGIC):
        kind = "postgresql"
    else:
        raise BackupRefused(
            f"{file} is not a Foyer backup (neither a SQLite database nor a pg_dump "
            "custom-format archive)"
        )
    target = backend_of(url)
    if kind != target:
        raise BackupRefused(
            f"{file} is a backup of {NAMES[kind]}, but FOYER_DATABASE_URL names "
            f"{NAMES[target]}: restore it into {NAMES[kind]} (then 'foyer db copy --to' "
            "moves it)"
        )
    revision = _sqlite_revision(file) if kind == "sqlite" else _dump_revision(file, url)
    if revision is None:
        raise BackupRefused(f"{file} is not a Foyer backup: it holds no Foyer tables")
    return Backup(file, kind, revision)


def _sqlite_revision(file: Path) -> str | None:
    # Read-only and immutable: checking a backup writes nothing, not even a -shm beside it.
    conn = sqlite3.connect(f"{file.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise BackupRefused(f"{file} is damaged (SQLite's check: {verdict and verdict[0]})")
        return revision_in(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{file} cannot be read as a SQLite backup: {exc}") from None
    finally:
        conn.close()


def _dump_revision(file: Path, url: str) -> str | None:
    """The revision in a pg_dump archive, read without restoring it."""
    restore = tool("pg_restore", url)
    try:
        pg_tools.run(restore, ["--list", str(file)], url)
        rows = pg_tools.run(
            restore, ["--data-only", "--table=alembic_version", "--file=-", str(file)], url
        )
    except pg_tools.ToolFailed as exc:
        raise BackupRefused(f"{file} cannot be read as a pg_dump archive: {exc}") from None
    lines = rows.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            return None if lines[i + 1] == "\\." else lines[i + 1].strip()
    return None


def require_empty(url: str, where: str) -> None:
    """Refuse a target that holds Foyer's tables (SQLite: any table, since its backup API
    replaces the whole file)."""
    path = db_lock.database_file(url)
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
        finally:
            conn.close()
        if tables:
            raise BackupRefused(
                f"the database {where} is not empty ({len(tables)} tables): restore goes into "
                "an empty database; set FOYER_DATABASE_URL to a new file (one that does not "
                "exist yet)"
            )
        return
    present = set(migrate.with_connection(url, _table_names))
    ours = sorted(present & ({t.name for t in metadata.sorted_tables} | {"alembic_version"}))
    if ours:
        raise BackupRefused(
            f"the database {where} is not empty (it has Foyer's tables, e.g. {ours[0]}): "
            "restore goes into an empty database; make one (createdb -O OWNER NAME, or in psql "
            "CREATE DATABASE name OWNER owner) and set FOYER_DATABASE_URL to it"
        )


def _table_names(conn: Connection) -> list[str]:
    return list(inspect(conn).get_table_names())


def restore(backup: Backup, url: str) -> None:
    """Write the backup into the (empty, held) database."""
    if backup.backend == "sqlite":
        path = db_lock.database_file(url)
        assert path is not None  # a SQLite URL: read_backup checked the backends match
        src = sqlite3.connect(f"{backup.path.as_uri()}?mode=ro&immutable=1", uri=True)
        dst = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    # Only the name: the host, user and password reach pg_restore through its environment.
    database = make_url(url).database or ""
    pg_tools.run(tool("pg_restore", url), [*args, f"--dbname={database}", str(backup.path)], url)
