"""One Foyer serves a database and a bot: a second `foyer run` (or sandbox) on the same
database refuses at start and names the first; a second poller of the same token stops Foyer
with one line, instead of both sharing the updates and a stream of 409 Conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from bot.emulator import BotAPIEmulator
from bot.storage import db_lock
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
