"""Upgrades only go forward: a database a newer Foyer migrated (a downgrade of the code) is
refused in one line by every command that needs a current database, and by `db upgrade`,
and left exactly as it was."""

from __future__ import annotations

import sqlite3
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.storage import migrate
from tests.test_settings_and_cli import CURRICULA, foyer

FUTURE = "0042_from_a_newer_foyer"


@pytest.fixture
def ahead(tmp_path: Path) -> Path:
    """A database a newer Foyer migrated: its revision is in no migration script here."""
    db = tmp_path / "foyer.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (FUTURE,))
    conn.close()
    return db


def _env(db: Path) -> dict[str, str]:
    return {
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "FOYER_CONTENT_DIR": str(CURRICULA),
        "FOYER_BOT_TOKEN": "123456:TEST",
        "FOYER_BOT_API_URL": "http://127.0.0.1:9",  # never reached: refused before
    }


def _revision(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        (rev,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()
    return str(rev)


@pytest.mark.parametrize(
    "args",
    [["run"], ["run", "--upgrade"], ["db", "upgrade"], ["group", "list"], ["facilitator", "list"]],
    ids=" ".join,
)
def test_a_database_ahead_of_the_code_is_refused_in_one_line(ahead: Path, args: list[str]) -> None:
    result = foyer(*args, env=_env(ahead), cwd=ahead.parent)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"foyer: the database {ahead} was migrated by a newer Foyer (revision {FUTURE}, unknown "
        f"to foyer {version('foyer')}): install that newer version again, or restore the "
        "backup taken before the upgrade into an empty database (docs/backups.md)"
    )
    assert _revision(ahead) == FUTURE  # nothing migrated, nothing "repaired"


def test_only_the_scripts_revisions_are_known() -> None:
    head = migrate.head_revision()
    assert head is not None and migrate.is_known(head)
    assert migrate.is_known("0001")
    assert not migrate.is_known(FUTURE)
