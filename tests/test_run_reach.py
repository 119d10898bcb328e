"""`foyer run` without a network keeps trying, one line per attempt, and serves as soon as the
Bot API answers; a refused token is one line and exit code 2, with no traceback."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import sys
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.emulator import BotAPIEmulator
from bot.infra.http_client import AiohttpRequest
from bot.infra.reach import backoff, until_reached
from tests.test_settings_and_cli import CURRICULA, foyer


def test_backoff_doubles_up_to_a_minute() -> None:
    assert list(itertools.islice(backoff(), 9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_until_reached_says_each_attempt_and_returns_once_answered() -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    requests = (AiohttpRequest(1), AiohttpRequest(1))
    bot = Bot("123456:TEST", base_url=f"{url}/bot", request=requests[0],
              get_updates_request=requests[1])  # fmt: skip
    said: list[str] = []
    two_failures = asyncio.Event()

    def say(line: str) -> None:
        said.append(line)
        if len(said) == 2:
            two_failures.set()

    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(requests[0].shutdown)
        stack.push_async_callback(requests[1].shutdown)
        reaching = asyncio.create_task(
            until_reached(bot.initialize, url, say, delays=[0.05, 0.5, 0.5, 0.5])
        )
        await asyncio.wait_for(two_failures.wait(), 10)
        # The network comes back during the announced half second.
        await stack.enter_async_context(BotAPIEmulator(bot_username="foyer_ml_bot", port=port))
        await asyncio.wait_for(reaching, 10)
    assert bot.username == "foyer_ml_bot"
    assert said == [
        f"cannot reach the Bot API at {url} (aiohttp.ClientConnectorError); trying again in {d} s"
        for d in ("0.05", "0.5")
    ]


async def test_until_reached_gives_up_only_when_told() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    requests = (AiohttpRequest(1), AiohttpRequest(1))
    bot = Bot("123456:TEST", base_url=f"{url}/bot", request=requests[0],
              get_updates_request=requests[1])  # fmt: skip
    said: list[str] = []
    try:
        with pytest.raises(NetworkError):
            await until_reached(bot.initialize, url, said.append, delays=[0.01])
    finally:
        await asyncio.gather(*(r.shutdown() for r in requests))
    assert len(said) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db: Path, api_url: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env.update(
        FOYER_BOT_TOKEN=token,
        FOYER_BOT_API_URL=api_url,
        FOYER_DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        FOYER_CONTENT_DIR=str(CURRICULA),
    )
    return env


async def test_run_waits_for_the_network_and_then_serves(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there yet: the network is down
    url = f"http://127.0.0.1:{port}"
    token = "123456:TEST"
    env = _env(tmp_path / "foyer.db", url, token)
    assert foyer("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    try:
        said = [(await asyncio.wait_for(proc.stderr.readline(), 30)).decode() for _ in range(2)]
        assert said == [
            f"foyer: cannot reach the Bot API at {url} (aiohttp.ClientConnectorError); "
            f"trying again in {n} s\n"
            for n in (1, 2)
        ]
        # The network comes back: Foyer serves within the announced 2 s.
        async with BotAPIEmulator(token=token, port=port) as emu:
            await emu.wait_until(lambda: emu.commands(language_code="fr"), timeout=30)
            emu.user(777, first_name="Ali", language_code="fr")
            emu.send_text(777, "/help")
            reply = await emu.wait_for_message(777, timeout=20)
            assert reply.text
            proc.terminate()
            _out, rest = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, rest.decode()[-2000:]
    assert "Traceback" not in rest.decode() and "Unclosed" not in rest.decode()


async def test_a_refused_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with BotAPIEmulator() as emu:
        api = emu.base_url.removesuffix("/bot")
        env = _env(tmp_path / "foyer.db", api, "123456:WRONG")
        assert foyer("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
        result = await asyncio.to_thread(foyer, "run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"foyer: the Bot API at {api} does not accept FOYER_BOT_TOKEN: check the token "
        "(@BotFather) and FOYER_BOT_API_URL"
    ]
