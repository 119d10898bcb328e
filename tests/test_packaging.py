"""A plain wheel carries the curricula and the compiled catalogs, and `foyer run` really serves."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.emulator import BotAPIEmulator
from tests.test_settings_and_cli import CURRICULA, ROOT


def test_wheel_carries_content_and_compiled_catalogs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("foyer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/_data/conversations/men-groups-12.toml" in names
    assert "bot/_data/conversations/couples-8.toml" in names
    assert "bot/emulator/api_spec.json" in names
    assert "bot/sandbox/samples/tone-1s.ogg" in names  # the sandbox's voice notes (no codec)
    for lang in ("fr", "es", "bm"):
        assert f"bot/_data/locales/{lang}/LC_MESSAGES/content.mo" in names
        assert f"bot/_data/locales/{lang}/LC_MESSAGES/foyer.mo" in names


async def test_foyer_run_serves_the_configured_bot_api(tmp_path: Path) -> None:
    """`foyer run` as an operator starts it: token and Bot API URL from the environment."""
    async with BotAPIEmulator() as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
        env.update(
            FOYER_BOT_TOKEN=emu.token,
            FOYER_BOT_API_URL=emu.base_url.removesuffix("/bot"),
            FOYER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
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
        try:
            await emu.wait_until(lambda: emu.commands(language_code="fr"), timeout=30)
            emu.user(777, first_name="Ali", language_code="fr")
            emu.send_text(777, "/start")
            reply = await emu.wait_for_message(777, timeout=20)
            assert "/start" not in (reply.text or "")
            assert emu.calls("getUpdates")
        finally:
            proc.terminate()
            _out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()[-2000:]
        # The token is part of every request URL: it must not reach the logs.
        assert emu.token not in err.decode()


async def test_invite_link_uses_the_bots_username_and_run_refuses_an_old_database(
    tmp_path: Path,
) -> None:
    async with BotAPIEmulator(bot_username="foyer_mali_bot") as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
        env.update(
            FOYER_BOT_TOKEN=emu.token,
            FOYER_BOT_API_URL=emu.base_url.removesuffix("/bot"),
            FOYER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'links.db'}",
            FOYER_CONTENT_DIR=str(CURRICULA),
        )

        async def foyer(*args: str) -> tuple[int, str, str]:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                *args,
                env=env,
                cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), 60)
            return proc.returncode or 0, out.decode(), err.decode()

        code, _out, err = await foyer("run")  # no `db upgrade` yet
        assert code == 2 and "foyer db upgrade" in err and len(err.strip().splitlines()) == 1
        assert (await foyer("db", "upgrade"))[0] == 0
        code, out, err = await foyer(
            "group",
            "create",
            "--name",
            "Kati",
            "--curriculum",
            "tiny-4",
            "--timezone",
            "Africa/Bamako",
            "--meets",
            "thu 17:00",
            "--starts",
            "2099-01-01",
            "--json",
        )
        assert code == 0, err
        info = json.loads(out)
        assert info["invite_link"] == f"https://t.me/foyer_mali_bot?start={info['invite_code']}"
