"""What Foyer's logs hold once configured as `foyer run` configures them."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.emulator import BotAPIEmulator
from bot.emulator.server import REDIRECT_LOOP
from bot.infra.log_setup import QUIET_LIBRARIES, configure_logging
from tests.conftest import Foyer
from tests.test_settings_and_cli import CURRICULA


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("bot.emulator"):  # the test's own Telegram
            self.lines.append(record.getMessage())


@pytest.fixture
def lines() -> Iterator[Lines]:
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    handler = Lines()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


async def test_logs_never_carry_the_bot_token(foyer: Foyer, lines: Lines) -> None:
    configure_logging(logging.INFO)
    logging.getLogger().setLevel(logging.INFO)  # pytest's own handlers keep basicConfig out
    uid = foyer.new_user()
    foyer.emu.send_text(uid, "/help")
    await foyer.last_message(uid)  # an update fetched and an answer sent, both over HTTP
    await foyer.settle()
    # The handler logs after Telegram answered its send, which may land after the message.
    for _ in range(200):
        if lines.lines:
            break
        await asyncio.sleep(0.025)
    assert any(line for line in lines.lines)  # the bot did log at INFO ...
    assert [line for line in lines.lines if foyer.emu.token in line] == []  # ... never the token


@pytest.mark.parametrize(
    ("token", "path", "provoked", "ends"),
    [
        # A wrong token: the Bot API answers getMe 401; PTB's message for it names the token.
        ("123456:WRONG", "", "does not accept FOYER_BOT_TOKEN", True),
        # A wrong FOYER_BOT_API_URL answers 404: the same refusal.
        (None, "/not-the-bot-api", "does not accept FOYER_BOT_TOKEN", True),
        # A proxy that redirects forever: aiohttp's error names the URL; Foyer keeps trying.
        (None, REDIRECT_LOOP, "(aiohttp.TooManyRedirects); trying again in 1 s", False),
    ],
)
async def test_foyer_run_keeps_the_token_out_of_its_log_when_telegram_refuses(
    tmp_path: Path, token: str | None, path: str, provoked: str, ends: bool
) -> None:
    async with BotAPIEmulator() as emu:
        used = token or emu.token
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
        env.update(
            FOYER_BOT_TOKEN=used,
            FOYER_BOT_API_URL=emu.base_url.removesuffix("/bot") + path,
            FOYER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'foyer.db'}",
            FOYER_CONTENT_DIR=str(CURRICULA),
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--upgrade",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        said: list[str] = []
        while not said or provoked not in said[-1]:  # Foyer says what went wrong ...
            line = await asyncio.wait_for(proc.stderr.readline(), 60)
            assert line, said
            said.append(line.decode())
        if not ends:
            proc.terminate()
        _out, raw = await asyncio.wait_for(proc.communicate(), 60)
    err = "".join(said) + raw.decode()
    assert used not in err and quote(used, safe="") not in err  # ... without the token
    assert "Traceback" not in err and "Unclosed" not in err
    assert all(line.startswith("foyer: ") for line in err.splitlines()), err
    assert proc.returncode == (2 if ends else 0)
