"""Which SQLite files are the sandbox's own.

The sandbox writes people, staff and simulated timestamps; pointed at a real deployment's
database it would make a persona facilitator of a real group. So it marks every database it
creates, in the file's header (``PRAGMA application_id``, which migrations and VACUUM keep),
and opens no other file: whatever another file holds (nothing yet, real groups, an empty
file), it is refused before anything is written to it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

# "FySb": Foyer's sandbox. A real deployment's database keeps SQLite's default, 0.
SANDBOX_APPLICATION_ID = 0x46795362
_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100  # the application id is bytes 68 to 71, big-endian


class NotASandboxDatabase(Exception):
    """The file exists and the sandbox did not create it, or the sandbox cannot create it;
    the message is one line."""


def create(path: Path) -> None:
    """A new, empty database file that carries the sandbox's mark."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA application_id = {SANDBOX_APPLICATION_ID}")
        conn.commit()


def is_sandbox_database(path: Path) -> bool:
    """Read the mark from the file's header: SQLite itself is not asked, since opening a
    WAL database even read-only creates files beside it."""
    try:
        with path.open("rb") as fh:
            header = fh.read(_HEADER_SIZE)
    except OSError:
        return False
    if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
        return False  # empty, or not a database at all: certainly not one the sandbox made
    return int.from_bytes(header[68:72], "big") == SANDBOX_APPLICATION_ID


def open_or_create(path: Path) -> bool:
    """Make the file if it does not exist (True: fresh), else check it is the sandbox's own."""
    if not path.exists():
        try:
            create(path)
        except (sqlite3.Error, OSError) as exc:
            raise NotASandboxDatabase(f"cannot create {path.resolve()}: {exc}") from None
        return True
    if not is_sandbox_database(path):
        raise NotASandboxDatabase(
            f"{path.resolve()} was not created by the sandbox; the sandbox never writes to "
            "another database: give a new file name with --db, or leave --db out"
        )
    return False
