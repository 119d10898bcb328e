"""What the command line says about its inputs and its surroundings: the invite link when
Telegram cannot be asked, CSV files from spreadsheets, and values it used to accept silently."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from bot.emulator import BotAPIEmulator
from tests.test_settings_and_cli import CURRICULA, _next_thursday, foyer


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "FOYER_CONTENT_DIR": str(CURRICULA),
        **more,
    }


def _create(env: dict[str, str], *extra: str, name: str = "Kati Men"):
    return foyer(
        "group",
        "create",
        "--name",
        name,
        "--curriculum",
        "tiny-4",
        "--timezone",
        "Africa/Bamako",
        "--meets",
        "thu 17:00",
        "--starts",
        _next_thursday(),
        *extra,
        env=env,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_invite_links_say_why_telegram_could_not_name_the_bot(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    env = _env(tmp_path, FOYER_BOT_TOKEN="123456:TEST", FOYER_BOT_API_URL=url)
    assert foyer("db", "upgrade", env=env).returncode == 0
    created = _create(env)
    invited = foyer("facilitator", "invite", env=env)
    renewed = foyer("group", "revoke-invite", "1", env=env)
    for result in (created, invited, renewed):
        assert result.returncode == 0, result.stderr
        assert "set FOYER_BOT_TOKEN" not in result.stdout  # the token is set: not the reason
        assert f"(the bot username is unknown: cannot reach the Bot API at {url} (" in (
            result.stdout
        )
        assert "The link is https://t.me/<bot username>?start=<invite code>." in result.stdout


async def test_invite_link_names_a_refused_token(tmp_path: Path) -> None:
    import asyncio

    async with BotAPIEmulator() as emu:
        api = emu.base_url.removesuffix("/bot")
        env = _env(tmp_path, FOYER_BOT_TOKEN="123456:WRONG", FOYER_BOT_API_URL=api)
        assert (await asyncio.to_thread(foyer, "db", "upgrade", env=env)).returncode == 0
        created = await asyncio.to_thread(_create, env)
    assert created.returncode == 0, created.stderr
    assert (
        f"(the bot username is unknown: the Bot API at {api} does not accept FOYER_BOT_TOKEN; "
        "check the token (@BotFather))"
    ) in created.stdout
    assert "WRONG" not in created.stdout


def test_without_a_token_the_link_asks_for_one(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    created = _create(env)
    assert "(needs the bot username: set FOYER_BOT_TOKEN)" in created.stdout
    assert json.loads(_create(env, "--json", name="B").stdout)["invite_link"] is None
