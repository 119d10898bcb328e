"""`foyer db backup` and `foyer db restore` through the real command, on SQLite and on PostgreSQL:
a backup restores whole into an empty database; every refusal is one line, exit 2, and
changes nothing; a backup never replaces a file nor leaves one half written under its name; a
password in the URL appears nowhere (PostgreSQL's tools get it through their environment)."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from bench.seed import seed
from bot.cli import _parser
from bot.storage import db_lock, migrate
from bot.storage.db import make_engine
from bot.storage.tables import metadata
from tests import postgres_server
from tests.test_settings_and_cli import CURRICULA, ROOT

FUTURE = "0042_from_a_newer_foyer"
SECRET = "pw-S3cret-never-shown"  # the test server trusts every login, so any password works


def foyer(*args: str, url: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real `foyer` command in a process of its own, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env |= {"FOYER_DATABASE_URL": url, "FOYER_CONTENT_DIR": str(CURRICULA)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


async def afoyer(*args: str, url: str) -> tuple[int, str, str]:
    """The same, awaited: a Foyer running in this event loop goes on meanwhile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env |= {"FOYER_DATABASE_URL": url, "FOYER_CONTENT_DIR": str(CURRICULA)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


def refused(result: subprocess.CompletedProcess[str], said: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert result.stderr.startswith("foyer: ") and said in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def require_postgres() -> None:
    if postgres_server.URL is None:
        message = f"set {postgres_server.URL_VARIABLE} to run the PostgreSQL tests (README)"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs every backend: {message}")
        pytest.skip(message)


def with_password(url: str) -> str:
    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


@pytest.fixture
def empty_target(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend, as an operator makes one to restore into: a SQLite
    file that does not exist yet, or a new PostgreSQL database (with a password in its URL)."""
    if backend == "postgresql":
        with postgres_server.fresh_database() as url:
            yield with_password(url)
        return
    yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'foyer.db'}"
    # (the folder is made by the tests that restore into it)


@pytest.fixture
def other_backend(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of the other backend, to make a backup of the wrong kind."""
    require_postgres()
    if backend == "sqlite":
        with postgres_server.fresh_database() as url:
            migrate.upgrade(url)
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    migrate.upgrade(url)
    yield url


def source_url(db_url: str, backend: str) -> str:
    return with_password(db_url) if backend == "postgresql" else db_url


def seeded(db_url: str) -> str:
    """Three groups of five members with their week's check-ins sent (bench/seed.py)."""
    asyncio.run(seed(db_url, 3, 5, "tiny-4", sent_checkins=7))
    return db_url


def make_folder(url: str) -> None:
    path = db_lock.database_file(url)
    if path is not None:
        path.parent.mkdir(exist_ok=True)


async def tables_of(url: str) -> dict[str, list[Any]]:
    """Every row of every Foyer table there (alembic_version's too), in key order."""
    path = db_lock.database_file(url)
    if path is not None and not path.exists():
        return {}
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            present = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            found = {
                t.name: [tuple(r) for r in await conn.execute(select(t).order_by(*t.primary_key))]
                for t in metadata.sorted_tables
                if t.name in present
            }
            if "alembic_version" in present:
                version = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                found["alembic_version"] = [tuple(r) for r in version]
            return found
    finally:
        await engine.dispose()


def test_a_backup_restores_whole_into_an_empty_database(
    db_url: str, backend: str, empty_target: str, tmp_path: Path
) -> None:
    source = source_url(seeded(db_url), backend)
    file = tmp_path / "foyer-backup"
    made = foyer("db", "backup", str(file), url=source)
    assert made.returncode == 0, made.stderr
    how = "SQLite online backup" if backend == "sqlite" else "PostgreSQL pg_dump, custom format"
    head = migrate.head_revision()
    assert made.stdout.startswith(f"wrote {file} (")
    assert f", revision {head}, {how}) from " in made.stdout
    assert len(made.stdout.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == [file.name]
    assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0 or os.name == "nt"  # owner only

    make_folder(empty_target)
    done = foyer("db", "restore", str(file), url=empty_target)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"restored {file} into ") and f"revision {head})" in lines[0]
    assert lines[1] == "its migrations are current: Foyer can serve it"
    assert "/forget" in lines[2]
    restored, original = asyncio.run(tables_of(empty_target)), asyncio.run(tables_of(source))
    assert restored == original  # every table, every row, every value
    assert len(restored["membership"]) == 15 and len(restored["outbox"]) == 7
    assert SECRET not in made.stdout + made.stderr + done.stdout + done.stderr
    # The restored database serves: a command that needs a current one works on it.
    listed = foyer("group", "list", url=empty_target)
    assert listed.returncode == 0 and "Group 3" in listed.stdout, listed


def test_an_older_backup_restores_and_says_to_upgrade(
    db_url: str, backend: str, empty_target: str, tmp_path: Path
) -> None:
    source = source_url(db_url, backend)
    migrate.with_connection(
        source,
        lambda c: c.exec_driver_sql("UPDATE alembic_version SET version_num = '0008'"),
    )
    file = tmp_path / "old-backup"
    assert foyer("db", "backup", str(file), url=source).returncode == 0
    make_folder(empty_target)
    done = foyer("db", "restore", str(file), url=empty_target)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == (
        "it comes from an older Foyer: run 'foyer db upgrade' before 'foyer run'"
    )
    assert migrate.current_revision(empty_target) == "0008"


def test_restore_refuses_what_is_not_a_backup_of_its_kind_in_one_line_changing_nothing(
    db_url: str, backend: str, empty_target: str, other_backend: str, tmp_path: Path
) -> None:
    make_folder(empty_target)
    random_bytes = tmp_path / "random.bin"
    random_bytes.write_bytes(os.urandom(4096))
    text = tmp_path / "notes.txt"
    text.write_text("a list of groups, not a backup\n", encoding="utf-8")
    empty = tmp_path / "empty.db"
    empty.touch()
    damaged = tmp_path / "damaged"
    wrong_kind = tmp_path / "other-backend"
    assert foyer("db", "backup", str(wrong_kind), url=other_backend).returncode == 0
    newer = tmp_path / "newer"
    migrate.with_connection(
        db_url, lambda c: c.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{FUTURE}'")
    )
    made = foyer("db", "backup", str(newer), url=source_url(db_url, backend))
    assert made.returncode == 0, made.stderr  # a database ahead of the code backs up all the same
    damaged.write_bytes(newer.read_bytes()[:3000])  # the right magic, then cut short
    kind = {"sqlite": "a SQLite database", "postgresql": "a PostgreSQL database"}
    other = "postgresql" if backend == "sqlite" else "sqlite"
    cases = {
        random_bytes: "is not a Foyer backup (neither a SQLite database nor a pg_dump",
        text: "is not a Foyer backup (neither a SQLite database nor a pg_dump",
        empty: "is empty: it is not a backup",
        tmp_path / "no-such-file": "there is no backup file at",
        damaged: "cannot be read as a",
        wrong_kind: f"is a backup of {kind[other]}, but FOYER_DATABASE_URL names "
        f"{kind[backend]}: restore it into {kind[other]}",
        newer: f"is a backup from a newer Foyer (revision {FUTURE}, unknown to foyer ",
    }
    for file, said in cases.items():
        result = foyer("db", "restore", str(file), url=empty_target)
        refused(result, said)
        assert SECRET not in result.stderr
        assert asyncio.run(tables_of(empty_target)) == {}, file  # not a table, not a row
    path = db_lock.database_file(empty_target)
    assert path is None or list(path.parent.iterdir()) == []  # not even a lock file


def test_restore_refuses_a_database_that_is_not_empty(
    db_url: str, backend: str, tmp_path: Path
) -> None:
    source = source_url(seeded(db_url), backend)
    file = tmp_path / "backup"
    assert foyer("db", "backup", str(file), url=source).returncode == 0
    before = asyncio.run(tables_of(source))
    result = foyer("db", "restore", str(file), url=source)
    refused(result, "is not empty")
    assert "restore goes into an empty database" in result.stderr
    assert SECRET not in result.stderr
    assert asyncio.run(tables_of(source)) == before


def test_backup_refuses_an_existing_file_and_leaves_it_as_it_was(
    db_url: str, backend: str, tmp_path: Path
) -> None:
    file = tmp_path / "backup"
    file.write_bytes(b"yesterday's backup")
    result = foyer("db", "backup", str(file), url=source_url(db_url, backend))
    refused(result, f"{file} already exists: a backup never replaces a file")
    assert file.read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir() if "backup" in p.name] == ["backup"]


def test_a_failed_backup_leaves_nothing_under_the_files_name(tmp_path: Path) -> None:
    """A database without Foyer's tables is refused after the copy was made: nothing named."""
    bare = tmp_path / "bare.db"
    sqlite3.connect(bare).execute("CREATE TABLE t (x)").connection.close()
    file = tmp_path / "backup"
    refused(foyer("db", "backup", str(file), url=f"sqlite+aiosqlite:///{bare}"), "no Foyer tables")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.db"]  # no backup, no .partial


FAKE_PG_DUMP = """#!/bin/sh
# Records how it was called, writes half an archive, and fails: as pg_dump cut off midway.
printf '%s\\n' "$@" > "{log}"
printf 'PGPASSWORD=%s\\n' "$PGPASSWORD" >> "{log}"
for a in "$@"; do
  case "$a" in --file=*) printf 'PGDMP half an archive' > "${{a#--file=}}";; esac
done
echo "pg_dump: error: connection to server lost" >&2
exit 1
"""


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for pg_dump")
def test_pg_dump_gets_the_password_from_its_environment_and_a_cut_dump_is_never_named(
    tmp_path: Path,
) -> None:
    require_postgres()
    tools = tmp_path / "bin"
    tools.mkdir()
    log = tmp_path / "pg_dump.log"
    fake = tools / "pg_dump"
    fake.write_text(FAKE_PG_DUMP.format(log=log), encoding="utf-8")
    fake.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    file = out / "backup"
    with postgres_server.fresh_database() as url:
        migrate.upgrade(url)
        result = foyer("db", "backup", str(file), url=with_password(url), path=str(tools))
    refused(result, "pg_dump failed: pg_dump: error: connection to server lost")
    called = log.read_text(encoding="utf-8").splitlines()
    assert called[-1] == f"PGPASSWORD={SECRET}"  # through the environment...
    assert not any(SECRET in arg for arg in called[:-1])  # ...never on its command line
    assert SECRET not in result.stderr
    assert list(out.iterdir()) == []  # the half archive was never named, nor left


def test_without_pg_dump_one_line_names_the_client_tools_to_install(tmp_path: Path) -> None:
    require_postgres()
    file = tmp_path / "backup"
    with postgres_server.fresh_database() as url:
        migrate.upgrade(url)
        result = foyer("db", "backup", str(file), url=with_password(url), path=str(tmp_path))
    refused(result, "pg_dump was not found on PATH: install PostgreSQL's client tools of the ")
    advice = r"server's major version \d+ \(Debian/Ubuntu: apt install postgresql-client-\d+;"
    assert re.search(advice, result.stderr), result.stderr
    assert SECRET not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_forget_again_erases_the_logged_people_in_a_restored_database(
    db_url: str, backend: str, empty_target: str, tmp_path: Path
) -> None:
    """Someone's /forget after the backup is undone by a restore; the log's number erases
    them again (docs/backups.md, 'After a restore'), and nobody else."""
    source = source_url(seeded(db_url), backend)
    file = tmp_path / "backup"
    assert foyer("db", "backup", str(file), url=source).returncode == 0
    make_folder(empty_target)
    assert foyer("db", "restore", str(file), url=empty_target).returncode == 0
    before = asyncio.run(tables_of(empty_target))
    done = foyer("db", "forget-again", "3", "999", url=empty_target)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "erased person 3",
        "no person 999 in this database (already erased, or joined after it)",
    ]
    after = asyncio.run(tables_of(empty_target))
    gone = {
        table: [row for row in rows if row not in after[table]] for table, rows in before.items()
    }
    assert [row[0] for row in gone["person"]] == [3]
    assert [row[0] for row in gone["membership"]] == [3]  # seeded: membership 3 is person 3's
    assert len(gone["outbox"]) == 1  # person 3's sent check-in
    assert sum(len(rows) for rows in gone.values()) == 3  # and nothing of anyone else
    again = foyer("db", "forget-again", "3", url=empty_target)
    assert again.stdout.startswith("no person 3 in this database")


def test_every_foyer_command_the_operators_pages_name_exists() -> None:
    """docs/backups.md is followed by people who cannot read the code: each `foyer ...` it
    names must be a real command."""
    named = set()
    for page in ("backups.md", "data-protection.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        named |= set(re.findall(r"\bfoyer ((?:db|group|facilitator) [a-z-]+|run|--version)", text))
    assert {"db backup", "db restore", "db upgrade", "db forget-again", "--version"} <= named
    parser = _parser()
    for command in sorted(named - {"--version"}):
        with pytest.raises(SystemExit) as shown:  # --help exits 0 for a real command only
            parser.parse_args([*command.split(), "--help"])
        assert shown.value.code == 0, command


def test_restore_refuses_a_sqlite_file_another_foyer_serves(tmp_path: Path) -> None:
    """A restore holds the database as `foyer run` does: it never fills one being served, and
    nothing serves one it is filling."""
    source = seeded(f"sqlite+aiosqlite:///{tmp_path / 'foyer.db'}")
    file = tmp_path / "backup"
    assert foyer("db", "backup", str(file), url=source).returncode == 0
    target = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    with db_lock.serving(target):
        result = foyer("db", "restore", str(file), url=target)
    refused(result, "is already served by process")
    assert not (tmp_path / "restored.db").exists()
