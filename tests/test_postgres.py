"""PostgreSQL as Foyer's database: values keep their type and instant on both backends, and an
operator's `foyer db upgrade` then `foyer run` work on a postgresql+asyncpg:// URL."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.emulator import BotAPIEmulator
from bot.storage import migrate
from bot.storage.db import make_engine
from bot.storage.sql import catch_up_ids
from bot.storage.tables import group, membership, outbox, person
from tests import postgres_server
from tests.conftest import TEST_CURRICULA, Foyer

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
BAMAKO_EVENING = datetime(2026, 12, 3, 17, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_values_keep_their_type_and_instant(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(person),
                [
                    # Telegram ids beyond 32 bits, booleans both ways, an instant given in
                    # another zone with microseconds.
                    dict(id=1, telegram_id=7_000_000_001, language="fr", discreet=True,
                         silent=False, blocked=False, created_at=BAMAKO_EVENING),
                ],
            )  # fmt: skip
            await catch_up_ids(conn, person)
            # The next id the database hands out follows the ones written by hand.
            await conn.execute(
                insert(person).values(
                    telegram_id=5, language="en", discreet=False, created_at=BAMAKO_EVENING
                )
            )
            await conn.execute(
                insert(group).values(
                    name="Kati", curriculum_id="tiny-4", language="en", timezone="Africa/Bamako",
                    meet_weekday=3, meet_time="17:00", deliver_weekday=4, deliver_time="09:00",
                    starts_on=date(2026, 12, 3), created_at=BAMAKO_EVENING,
                    planned_until=BAMAKO_EVENING, chat_id=-1_001_234_567_890,
                )
            )  # fmt: skip
        async with engine.connect() as conn:
            rows = (await conn.execute(select(person).order_by(person.c.id))).all()
            g = (await conn.execute(select(group))).one()
    finally:
        await engine.dispose()
    first, second = (r._mapping for r in rows)
    assert (first["id"], second["id"]) == (1, 2)
    assert first["telegram_id"] == 7_000_000_001
    assert (first["discreet"], first["silent"], first["blocked"]) == (True, False, False)
    assert all(type(first[c]) is bool for c in ("discreet", "silent", "blocked"))
    assert second["discreet"] is False and second["blocked"] is False  # column defaults
    assert first["created_at"] == BAMAKO_EVENING
    assert first["created_at"].tzinfo is UTC
    assert first["last_seen_at"] is None
    assert (g.starts_on, g.chat_id, g.paused, g.reminder_24h) == (
        date(2026, 12, 3),
        -1_001_234_567_890,
        False,
        True,
    )


def _env(url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    return env | {"FOYER_DATABASE_URL": url, "FOYER_CONTENT_DIR": str(TEST_CURRICULA)} | more


async def _foyer(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
def empty_postgres(backend: str) -> Iterator[str]:
    """A database on the server with no tables yet."""
    with postgres_server.fresh_database() as url:
        yield url


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_db_upgrade_then_run_on_postgresql(empty_postgres: str, tmp_path: Path) -> None:
    env = _env(empty_postgres)
    code, out, err = await _foyer("db", "upgrade", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("created Foyer's tables in the database postgresql+asyncpg://"), out
    assert f"(revision {migrate.head_revision()})" in out
    code, out, err = await _foyer("db", "upgrade", env=env, cwd=tmp_path)
    assert code == 0 and "already up to date" in out, (out, err)
    # `foyer run` refuses a database that is not current: this one serves.
    async with BotAPIEmulator() as emu:
        env |= dict(FOYER_BOT_TOKEN=emu.token, FOYER_BOT_API_URL=emu.base_url.removesuffix("/bot"))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            emu.user(778, first_name="Moussa", language_code="en")
            await emu.wait_until(lambda: bool(emu.calls("getUpdates")), timeout=30)
            emu.send_text(778, "/start")
            reply = await emu.wait_for_message(778, timeout=20)
            assert "/start" not in (reply.text or "")
        finally:
            proc.terminate()
            _out, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err_bytes.decode()[-2000:]
    assert "Traceback" not in err_bytes.decode()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://foyer:s3cret@127.0.0.1/foyer",  # psycopg2, which Foyer does not use
        "postgres://foyer:s3cret@127.0.0.1/foyer",
        "sqlite:///foyer.db",  # the sync driver
    ],
)
async def test_a_database_url_without_foyers_driver_is_one_line_without_the_password(
    url: str, tmp_path: Path
) -> None:
    code, out, err = await _foyer("group", "list", env=_env(url), cwd=tmp_path)
    assert code == 2
    assert err.strip() == (
        "foyer: FOYER_DATABASE_URL: must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
        "(e.g. postgresql+asyncpg://foyer:PASSWORD@HOST/foyer)"
    )
    assert "s3cret" not in out + err
    assert not (tmp_path / "foyer.db").exists()  # nothing made either


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_row_committed_after_the_403_was_recorded_is_never_sent(foyer: Foyer) -> None:
    """On PostgreSQL a fan-out can read a member as not blocked, then commit its row after the
    sender recorded his 403 and stopped his queue (found by the faults campaign): the row
    must be stopped at the claim, not sent into a second 403."""
    gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    foyer.emu.block(uid)
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    async with foyer.rt.engine.begin() as conn:
        pid, mid, blocked = (
            await conn.execute(
                select(person.c.id, membership.c.id, person.c.blocked)
                .join(membership, membership.c.person_id == person.c.id)
                .where(person.c.telegram_id == uid)
            )
        ).one()
        assert blocked is True
        # What the late fan-out commits: a row for him, still pending.
        await conn.execute(
            insert(outbox).values(
                key=f"late:m{mid}", chat_id=uid, person_id=pid, membership_id=mid, group_id=gid,
                kind="prompt", week=2, due_at=foyer.clock.now(), status="pending", attempts=0,
            )
        )  # fmt: skip
    sends = [c for c in foyer.emu.calls("sendMessage") if c.params.get("chat_id") == uid]
    assert sends[-1].status == 403  # the week's prompt
    calls = len(sends)
    foyer.rt.wake_sender()
    await foyer.settle()
    after = [c for c in foyer.emu.calls("sendMessage") if c.params.get("chat_id") == uid]
    assert len(after) == calls
    async with foyer.rt.engine.connect() as conn:
        status = (
            await conn.execute(select(outbox.c.status).where(outbox.c.key == f"late:m{mid}"))
        ).scalar_one()
    assert status == "blocked"
