"""`foyer db copy --to URL`: a SQLite database the bot made moves to an empty PostgreSQL one, all
or nothing, through the real command; the bot then serves from the copy."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage import db_lock
from bot.storage.copy import BATCH_ROWS
from bot.storage.db import asyncpg_dsn, make_engine
from bot.storage.tables import concern, membership, metadata, outbox, person
from tests import postgres_server
from tests.conftest import TEST_CURRICULA, Foyer, make_settings
from tests.test_safety_concerns import raise_concern
from tests.test_safety_help import focal_ready, start_foyer

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CONCERN = "the sessions start too late for the night shift"


@pytest.fixture
def target() -> Iterator[str]:
    """An empty database on the test server (no tables), as an operator creates one."""
    if postgres_server.URL is None:
        message = f"set {postgres_server.URL_VARIABLE} to run the PostgreSQL tests (README)"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs every backend: {message}")
        pytest.skip(message)
    with postgres_server.fresh_database() as url:
        yield url


@pytest.fixture
async def seeded(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[str]:
    """A SQLite file the bot filled: a group, members (one a partner), the week's messages
    sent, a concern. The app is stopped before the copy, as `foyer run` would be."""
    async for f in start_foyer(emu, db_url, clock):
        await focal_ready(f)
        _gid, code = await f.create_group()
        uid = await f.join(code)
        await f.join(code)
        await f.advance_to(WEEK1)
        await f.settle()
        await raise_concern(f, uid, CONCERN)
        async with f.rt.engine.begin() as conn:
            # A partner's membership points at a later one (partner_of): copied all the same.
            ids = (await conn.execute(select(membership.c.id).order_by(membership.c.id))).all()
            await conn.execute(
                membership.update().where(membership.c.id == ids[0][0]).values(partner_of=ids[1][0])
            )
    yield db_url


def _env(source: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    return env | {"FOYER_DATABASE_URL": source, "FOYER_CONTENT_DIR": str(TEST_CURRICULA)}


async def _copy(source: str, *args: str, cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "copy", *args, env=_env(source), cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def _rows(url: str) -> dict[str, list[Any]]:
    """Every row of every Foyer table that exists there, in id order."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            present = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            return {
                t.name: [tuple(r) for r in await conn.execute(select(t).order_by(*t.primary_key))]
                for t in metadata.sorted_tables
                if t.name in present
            }
    finally:
        await engine.dispose()


async def test_a_bot_database_copies_whole_and_the_bot_serves_from_the_copy(
    seeded: str, target: str, tmp_path: Path, emu: BotAPIEmulator, clock: OffsetClock
) -> None:
    code, out, err = await _copy(seeded, "--to", target, cwd=tmp_path)
    assert code == 0, err
    source_rows, target_rows = await _rows(seeded), await _rows(target)
    assert target_rows == source_rows  # every table, every value
    for table in ("group", "person", "membership", "outbox", "concern", "invite"):
        assert source_rows[table], table  # the seed reached each of these
    lines = out.splitlines()
    for t in metadata.sorted_tables:  # one line per table, both counts, equal
        n = len(source_rows[t.name])
        assert any(line.split() == [t.name, str(n), "in", "the", "source", str(n), "in", "the",
                                    "target"] for line in lines), (t.name, out)  # fmt: skip
    assert lines[-1].endswith("every count equal")
    # The bot serves from the copy: a newcomer joins with the copied invite code, and gets
    # ids the database hands out after the copied ones.
    app = build_application(make_settings(emu, target), clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        async with f.rt.engine.connect() as conn:
            invite_code = (await conn.execute(select(metadata.tables["invite"].c.code))).scalar()
            text = (await conn.execute(select(concern.c.text))).scalar_one()
        assert text == CONCERN
        await f.join(str(invite_code))
        async with f.rt.engine.connect() as conn:
            people = (await conn.execute(select(person.c.id).order_by(person.c.id))).all()
    assert len(people) == len(source_rows["person"]) + 1
    # A finished copy is refused as non-empty: safe to re-run, nothing changed.
    before = await _rows(target)
    code, out, err = await _copy(seeded, "--to", target, cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.startswith("foyer: the target postgresql+asyncpg://") and "is not empty" in err
    assert len(err.strip().splitlines()) == 1
    assert await _rows(target) == before


async def test_a_copy_that_fails_midway_leaves_the_target_empty_and_a_rerun_succeeds(
    seeded: str, target: str, tmp_path: Path
) -> None:
    # A row PostgreSQL rejects (an outbox row for a person who does not exist: SQLite let it in
    # with its foreign keys off). outbox comes last, after every other table was copied, and
    # the row after batches of it.
    path = db_lock.database_file(seeded)
    assert path is not None
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.executemany(
            "INSERT INTO outbox (key, chat_id, kind, due_at, status, attempts) "
            "VALUES (?, 1, 'prompt', '2026-12-04 09:00:00', 'sent', 1)",
            [(f"filler:{n}",) for n in range(2 * BATCH_ROWS + 500)],
        )
        raw.execute(
            "INSERT INTO outbox (key, chat_id, person_id, kind, due_at, status, attempts) "
            "VALUES ('orphan', 1, 999999, 'prompt', '2026-12-04 09:00:00', 'sent', 1)"
        )
    raw.close()
    code, out, err = await _copy(seeded, "--to", target, cwd=tmp_path)
    assert code == 2, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "nothing was copied" in err
    assert await _rows(target) == {}  # as it was: not a row, not even a table
    with sqlite3.connect(path) as raw:  # the cause fixed
        raw.execute("DELETE FROM outbox WHERE key = 'orphan'")
    raw.close()
    code, out, err = await _copy(seeded, "--to", target, cwd=tmp_path)
    assert code == 0, err
    assert await _rows(target) == await _rows(seeded)


async def test_bad_targets_are_one_line_without_the_password(
    seeded: str, target: str, tmp_path: Path
) -> None:
    unreachable = "postgresql+asyncpg://foyer:s3cret@127.0.0.1:1/foyer"
    missing = make_url(target).set(password="s3cret", database="no_such_db")
    cases = {
        "nonsense": "foyer: --to: must be a URL such as",
        "mysql://foyer:s3cret@127.0.0.1/foyer": "foyer: --to: must start with sqlite+aiosqlite",
        unreachable: "foyer: the database postgresql+asyncpg://foyer:***@127.0.0.1:1/foyer:",
        missing.render_as_string(hide_password=False): 'database "no_such_db" does not exist',
        seeded: "foyer: --to names the source database itself",
    }
    for url, said in cases.items():
        code, out, err = await _copy(seeded, "--to", url, cwd=tmp_path)
        assert code == 2 and out == "", (url, out, err)
        assert said in err, (url, err)
        assert len(err.strip().splitlines()) == 1 and "s3cret" not in err
    # While the source is served, nothing changes under a copy: refused.
    with db_lock.serving(seeded):
        code, out, err = await _copy(seeded, "--to", target, cwd=tmp_path)
    assert code == 2 and "already served" in err, err
    assert not await _rows(target)  # not even migrated
    assert len(await _rows(seeded)) == len(metadata.sorted_tables)
    assert outbox.name in await _rows(seeded)


async def test_a_copy_killed_midway_leaves_the_target_as_it_was(
    seeded: str, target: str, tmp_path: Path
) -> None:
    path = db_lock.database_file(seeded)
    assert path is not None
    with sqlite3.connect(path) as raw:
        raw.executemany(
            "INSERT INTO outbox (key, chat_id, kind, due_at, status, attempts) "
            "VALUES (?, 1, 'prompt', '2026-12-04 09:00:00', 'sent', 1)",
            [(f"filler:{n}",) for n in range(20 * BATCH_ROWS)],
        )
    raw.close()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "copy", "--to", target, env=_env(seeded),
        cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    # Killed while it writes outbox rows (the target's tables exist only in its transaction).
    dsn = asyncpg_dsn(target)
    watcher = await asyncpg.connect(dsn)
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while not await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE 'INSERT INTO outbox%'"
        ):
            assert proc.returncode is None and asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.005)
        proc.kill()
        assert await proc.wait() != 0  # killed, not finished
    finally:
        await watcher.close()
    assert await _rows(target) == {}
    code, _out, err = await _copy(seeded, "--to", target, cwd=tmp_path)
    assert code == 0, err
    assert await _rows(target) == await _rows(seeded)
