"""One Foyer serves a SQLite file: a second `foyer run` (or sandbox) on it refuses at start and
names the first. Several share a PostgreSQL database: one polls (taken over within seconds when
it dies), the jobs run in one at a time, and a migration runs once. A second poller of the same
token stops Foyer with one line, instead of both sharing the updates and a stream of 409
Conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from bot.app import build_application, elect_poller, running
from bot.emulator import BotAPIEmulator
from bot.infra import leader
from bot.storage import advisory, db_lock, migrate
from bot.storage.db import asyncpg_dsn, make_engine
from tests import postgres_server
from tests.conftest import make_settings
from tests.foyer_process import FoyerRun, start_run
from tests.test_settings_and_cli import CURRICULA


def _env(emu: BotAPIEmulator, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env.update(
        FOYER_BOT_TOKEN=emu.token,
        FOYER_BOT_API_URL=emu.base_url.removesuffix("/bot"),
        FOYER_DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        FOYER_CONTENT_DIR=str(CURRICULA),
    )
    return env


async def _start(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finish(proc: asyncio.subprocess.Process, timeout: float = 60) -> tuple[int, str]:
    _out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_a_second_foyer_on_one_database_refuses_and_names_the_first(
    tmp_path: Path,
) -> None:
    db = tmp_path / "foyer.db"
    async with BotAPIEmulator() as emu:
        env = _env(emu, db)
        first = await _start(env, tmp_path, "run", "--upgrade")
        try:
            await emu.wait_until(lambda: emu.commands(language_code="fr"), timeout=30)
            second = await _start(env, tmp_path, "run")
            code, err = await _finish(second)
            assert code == 2, err
            assert err.strip().splitlines() == [err.strip()]  # one line, no traceback
            assert f"process {first.pid} on " in err and str(db) in err
            # A deployment's database is never the sandbox's, served or not (the sandbox's own
            # lock: test_a_second_sandbox_on_its_database_refuses_and_names_the_first).
            sandbox = await _start(env, tmp_path, "sandbox", "--db", str(db), "--script", "demo")
            code, err = await _finish(sandbox)
            assert code == 2 and "was not created by the sandbox" in err, err
            assert len(err.strip().splitlines()) == 1
            assert first.returncode is None  # the first one serves on
        finally:
            first.terminate()
            code, err = await _finish(first)
        assert code == 0, err[-2000:]
    _served_again(db)


async def test_a_second_sandbox_on_its_database_refuses_and_names_the_first(
    tmp_path: Path,
) -> None:
    db = tmp_path / "kept.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "sandbox", "--db", str(db)),
        env={**env, "NO_COLOR": "1"},
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,  # the terminal chat waits for a line
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert first.stdout is not None and first.stdin is not None
        banner = await asyncio.wait_for(first.stdout.readline(), 60)
        assert "Foyer sandbox" in banner.decode()  # its database made, marked and held
        second = await _start(env, tmp_path, "sandbox", "--db", str(db), "--script", "demo")
        code, err = await _finish(second)
        assert code == 2 and f"process {first.pid} on " in err, err
        assert len(err.strip().splitlines()) == 1
        first.stdin.write(b":quit\n")
        await first.stdin.drain()
        code, err = await _finish(first)
        assert code == 0, err[-2000:]
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    _served_again(db)


def _served_again(db: Path) -> None:
    """The lock ends with its process: the database can be served again."""
    info = Path(f"{db}{db_lock.INFO_SUFFIX}")
    with db_lock.serving(f"sqlite+aiosqlite:///{db}"):
        assert info.exists()
    assert not info.exists()


@contextlib.asynccontextmanager
async def _other_poller(emu: BotAPIEmulator) -> AsyncIterator[None]:
    """Another program polling with the same token, as a second bot host would."""

    async def poll() -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                async with session.post(
                    f"{emu.base_url}{emu.token}/getUpdates", json={"timeout": 1}
                ) as res:
                    await res.read()

    task = asyncio.create_task(poll())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_another_poller_of_the_token_stops_foyer_with_one_line(tmp_path: Path) -> None:
    async with BotAPIEmulator() as emu, _other_poller(emu):
        proc = await _start(_env(emu, tmp_path / "foyer.db"), tmp_path, "run", "--upgrade")
        try:
            code, err = await _finish(proc)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert [c for c in emu.calls("getUpdates") if c.status == 409]
    assert code == 2, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("foyer: another program polls Telegram with this bot's token"), last
    assert "Traceback" not in err


async def _worker(emu: BotAPIEmulator, db_url: str, cwd: Path) -> FoyerRun:
    return await start_run({**_env(emu, cwd / "unused.db"), "FOYER_DATABASE_URL": db_url}, cwd)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_foyers_share_a_postgresql_database_one_polls_and_the_other_takes_over(
    db_url: str, tmp_path: Path
) -> None:
    async with BotAPIEmulator() as emu:
        first = await _worker(emu, db_url, tmp_path)
        second: FoyerRun | None = None
        try:
            await first.wait_for("leader.elected")
            second = await _worker(emu, db_url, tmp_path)
            await second.wait_for("app.started")  # serving, sending, running the jobs
            await second.wait_for("leader.following")  # said after its first try
            emu.user(4242, first_name="Moussa", language_code="en")
            emu.send_text(4242, "/start")
            await emu.wait_for_message(4242, timeout=20)
            emu.send_text(4242, "/help")
            await emu.wait_for_message(4242, timeout=20)
            # Each answered once, by the one poller: no second poller's 409 either.
            assert len(emu.messages(4242)) == 2
            assert not [c for c in emu.calls("getUpdates") if c.status == 409]
            assert second.said("leader.elected") == 0, second.log
            assert second.said("leader.following") == 1, second.log
            assert second.proc.returncode is None

            first.proc.kill()  # its session ends, and PostgreSQL lets go of the lock
            await first.proc.wait()
            emu.send_text(4242, "/help")
            await emu.wait_for_message(4242, timeout=15)
            assert second.said("leader.elected") == 1, second.log
            # The first confirmed what it had answered: nothing comes again to the second.
            assert len(emu.messages(4242)) == 3
        finally:
            await first.end()
            if second is not None:
                code = await second.end()
                assert code == 0, second.log
                assert "Traceback" not in second.log


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_job_runs_in_one_worker_at_a_time(db_url: str) -> None:
    workers = [make_engine(db_url) for _ in range(2)]
    ran: list[int] = []
    inside, release = asyncio.Event(), asyncio.Event()

    async def tick(worker: int) -> None:
        async with advisory.once(workers[worker], advisory.Lock.PLANNER) as mine:
            if mine:
                ran.append(worker)
                inside.set()
                await release.wait()

    try:
        first = asyncio.create_task(tick(0))
        await inside.wait()
        await asyncio.wait_for(tick(1), 10)  # the same moment: skipped at once
        assert ran == [0]
        async with advisory.once(workers[1], advisory.Lock.RETENTION) as mine:
            assert mine  # another job's lock is its own
        release.set()
        await first
        await tick(1)  # let go when the run ends: the next tick is anyone's
        assert ran == [0, 1]
    finally:
        for engine in workers:
            await engine.dispose()


async def test_on_sqlite_the_jobs_are_the_one_process_s(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'foyer.db'}")
    try:
        async with advisory.once(engine, advisory.Lock.PLANNER) as mine:
            async with advisory.once(engine, advisory.Lock.PLANNER) as again:
                assert mine and again  # no lock: one process serves a SQLite file
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_poller_that_loses_its_lock_stops_polling_until_it_has_it_again(
    db_url: str,
    emu: BotAPIEmulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    app = build_application(make_settings(emu, db_url))
    updater = elect_poller(app)  # as `foyer run` does on PostgreSQL
    dsn = asyncpg_dsn(db_url)
    other = await asyncpg.connect(dsn)  # another worker, in the test's hands
    try:
        async with running(app):
            await _logged(caplog, "leader.elected")
            # A 409 just after an election is the last poll of the poller before: not a stop.
            assert await updater.handover_conflict()
            monkeypatch.setattr(leader, "HANDOVER_SECONDS", 0.0)
            assert not await updater.handover_conflict()  # later, with the lock: another program
            # The poller's session ends (a server restart, a network cut, an operator), and
            # another worker takes the lock at once.
            holder = await other.fetchval(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1",
                advisory.Lock.POLLER & 0xFFFFFFFF,
            )
            await other.execute("SELECT pg_terminate_backend($1)", holder)
            await other.execute("SELECT pg_advisory_lock($1)", int(advisory.Lock.POLLER))
            assert await updater.handover_conflict()  # its polling is stopping: not a stop
            await _logged(caplog, "leader.lost")
            assert not updater.running
            emu.user(4343, first_name="Awa", language_code="en")
            emu.send_text(4343, "/help")
            await other.execute("SELECT pg_advisory_unlock($1)", int(advisory.Lock.POLLER))
            await emu.wait_for_message(4343, timeout=15)  # polled again once it is free
            assert _count(caplog, "leader.elected") == 2
    finally:
        await other.close()


def _count(caplog: pytest.LogCaptureFixture, event: str) -> int:
    return sum(1 for r in caplog.records if r.getMessage() == event)


async def _logged(caplog: pytest.LogCaptureFixture, event: str, timeout: float = 15) -> None:
    """Wait for a log line (the leader's own task logs it: no event to await from outside)."""
    async with asyncio.timeout(timeout):
        while not _count(caplog, event):  # noqa: ASYNC110  (a log line has no event)
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_workers_started_together_with_upgrade_migrate_once(
    backend: str, tmp_path: Path
) -> None:
    """Every worker of a deployment upgrading its empty database at start, at one moment."""
    made = postgres_server.fresh_database()
    empty = await asyncio.to_thread(made.__enter__)
    dsn = asyncpg_dsn(empty)
    # The workers are held at their first step (creating Alembic's table, which this
    # transaction holds) and let go together: each would create every table at once.
    gate, watcher = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        held = gate.transaction()
        await held.start()
        await gate.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
        env["FOYER_DATABASE_URL"] = empty
        workers = [await _start(env, tmp_path, "db", "upgrade") for _ in range(3)]
        waiting = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        async with asyncio.timeout(60):
            while await watcher.fetchval(waiting) < len(workers):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await held.rollback()
        for code, err in await asyncio.gather(*(_finish(w) for w in workers)):
            assert code == 0, err
        assert await asyncio.to_thread(migrate.is_current, empty)
    finally:
        await gate.close()
        await watcher.close()
        await asyncio.to_thread(made.__exit__, None, None, None)
