"""`foyer` and its database file: only `db upgrade` creates one, and every message names the
database by its absolute path (a relative FOYER_DATABASE_URL depends on the folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import migrate
from tests.test_settings_and_cli import CURRICULA, foyer

READING_COMMANDS = [
    ["group", "list"],
    ["group", "show", "1"],
    ["group", "revoke-invite", "1"],
    ["facilitator", "list"],
    ["facilitator", "invite"],
    ["partner-contact", "list"],
]


def _env(url: str) -> dict[str, str]:
    return {"FOYER_DATABASE_URL": url, "FOYER_CONTENT_DIR": str(CURRICULA)}


@pytest.mark.parametrize("args", READING_COMMANDS)
def test_no_command_but_upgrade_creates_a_database(tmp_path: Path, args: list[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Relative, as in the default sqlite+aiosqlite:///foyer.db, run from another folder.
    result = foyer(*args, env=_env("sqlite+aiosqlite:///foyer.db"), cwd=elsewhere)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"foyer: no database at {elsewhere / 'foyer.db'}: create it with 'foyer db upgrade' "
        "(or 'foyer run --upgrade'), or set FOYER_DATABASE_URL"
    )
    assert list(elsewhere.iterdir()) == []  # no empty foyer.db left behind


def test_run_without_upgrade_creates_nothing(tmp_path: Path) -> None:
    env = _env("sqlite+aiosqlite:///foyer.db") | {
        "FOYER_BOT_TOKEN": "123456:TEST",
        "FOYER_BOT_API_URL": "http://127.0.0.1:9",  # never reached
    }
    result = foyer("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert f"no database at {tmp_path / 'foyer.db'}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # neither the database nor its lock file


def test_db_upgrade_says_created_then_up_to_date_with_the_absolute_path(tmp_path: Path) -> None:
    env = _env("sqlite+aiosqlite:///data/foyer.db")
    (tmp_path / "data").mkdir()
    db = tmp_path / "data" / "foyer.db"
    head = migrate.head_revision()
    first = foyer("db", "upgrade", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"created the database {db} (revision {head})"
    again = foyer("db", "upgrade", env=env, cwd=tmp_path)
    assert again.stdout.strip() == f"the database {db} is already up to date (revision {head})"
    listed = foyer("group", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0 and "no groups yet" in listed.stdout


def test_an_empty_or_old_file_is_named_by_its_absolute_path(tmp_path: Path) -> None:
    db = tmp_path / "foyer.db"
    db.touch()  # what earlier versions left behind
    env = _env("sqlite+aiosqlite:///foyer.db")
    empty = foyer("group", "list", env=env, cwd=tmp_path)
    assert empty.returncode == 2
    assert empty.stderr.strip() == (
        f"foyer: the database {db} has no Foyer tables yet: create it with 'foyer db upgrade' "
        "(or 'foyer run --upgrade')"
    )
    made = foyer("db", "upgrade", env=env, cwd=tmp_path)
    assert made.stdout.startswith(f"created Foyer's tables in the database {db} "), made.stdout
    url = f"sqlite:///{db}"
    from alembic import command

    command.downgrade(migrate.alembic_config(url), "-1")
    old = foyer("group", "list", env=env, cwd=tmp_path)
    assert old.returncode == 2
    assert old.stderr.startswith(f"foyer: the database {db} is not up to date: ")
    upgraded = foyer("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.stdout.startswith(f"upgraded the database {db} from revision "), upgraded


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = foyer("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"foyer {version('foyer')}"
    assert list(tmp_path.iterdir()) == []
