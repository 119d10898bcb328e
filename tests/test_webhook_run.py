"""`foyer run` in webhook mode, as a real process against the emulator: it waits for the Bot
API as polling does (one line per attempt, no traceback), then serves; a listen address in use
or a URL Telegram refuses is one line and exit 2; two workers on one PostgreSQL both accept
webhooks and handle an update posted to both once."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotAPIEmulator
from bot.emulator.webhook import post_json
from tests.foyer_process import FoyerRun, start_run
from tests.test_run_reach import _env
from tests.test_settings_and_cli import foyer
from tests.test_webhook import SECRET, free_port

PATH = "/tg/updates"


def webhook_env(
    api_url: str, db: Path, listen_port: int, url_port: int | None = None
) -> dict[str, str]:
    """Settings for a worker listening on ``listen_port``; the public URL (what the load
    balancer answers, here the first worker) is on ``url_port``."""
    env = _env(db, api_url, "123456:TEST")
    env.update(
        FOYER_WEBHOOK_URL=f"http://127.0.0.1:{url_port or listen_port}{PATH}",
        FOYER_WEBHOOK_LISTEN=f"127.0.0.1:{listen_port}",
        FOYER_WEBHOOK_SECRET=SECRET,
    )
    return env


async def test_run_waits_for_the_bot_api_then_serves_webhooks(tmp_path: Path) -> None:
    api_port, listen = free_port(), free_port()
    url = f"http://127.0.0.1:{api_port}"  # nothing listens there yet: the network is down
    env = webhook_env(url, tmp_path / "foyer.db", listen)
    assert foyer("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    worker = await start_run(env, tmp_path)
    try:
        await worker.wait_for("trying again in 2 s")
        assert worker.lines == [
            f"foyer: cannot reach the Bot API at {url} (aiohttp.ClientConnectorError); "
            f"trying again in {n} s\n"
            for n in (1, 2)
        ]
        async with BotAPIEmulator(port=api_port) as emu:
            await emu.wait_until(lambda: emu.webhook_info()["url"], timeout=30)
            assert emu.webhook_info()["url"] == f"http://127.0.0.1:{listen}{PATH}"
            emu.user(777, first_name="Ali", language_code="fr")
            emu.send_text(777, "/start")
            assert (await emu.wait_for_message(777, timeout=20)).text
            assert not emu.calls("getUpdates")  # served by webhook, never polled
            code = await worker.end()
    finally:
        await worker.end()
    assert code == 0, worker.log
    assert "Traceback" not in worker.log and "Unclosed" not in worker.log


async def test_a_listen_address_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with BotAPIEmulator() as emu:
            env = webhook_env(emu.base_url.removesuffix("/bot"), tmp_path / "foyer.db", port)
            assert foyer("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
            result = await asyncio.to_thread(foyer, "run", env=env, cwd=tmp_path)
            assert not emu.webhook_info()["url"]  # Telegram was not told to post there
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"foyer: cannot listen for webhooks on 127.0.0.1:{port} (Address already in use)"
    ]


async def test_a_webhook_url_telegram_refuses_is_one_line(tmp_path: Path) -> None:
    async with BotAPIEmulator() as emu:
        refusal = (
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        )
        emu.inject("setWebhook", 400, description=refusal)
        listen = free_port()
        env = webhook_env(emu.base_url.removesuffix("/bot"), tmp_path / "foyer.db", listen)
        assert foyer("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
        result = await asyncio.to_thread(foyer, "run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"foyer: Telegram refused FOYER_WEBHOOK_URL http://127.0.0.1:{listen}{PATH} "
        "(Bad webhook: webhook can be set up only on ports 80, 88, 443 or 8443)"
    ]


def as_if_from(update: dict[str, Any], user_id: int, update_id: int) -> dict[str, Any]:
    """A copy of a delivered message update, as if another person had sent it."""
    copy: dict[str, Any] = json.loads(json.dumps(update))
    copy["update_id"] = update_id
    copy["message"]["from"]["id"] = copy["message"]["chat"]["id"] = user_id
    return copy


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_workers_on_postgresql_both_serve_and_handle_an_update_once(
    db_url: str, tmp_path: Path
) -> None:
    async with BotAPIEmulator() as emu:
        api = emu.base_url.removesuffix("/bot")
        ports = free_port(), free_port()
        workers: list[FoyerRun] = []
        try:
            for port in ports:  # each listens on its own port; the URL is the first's
                env = {**webhook_env(api, tmp_path / "x.db", port, ports[0]),
                       "FOYER_DATABASE_URL": db_url}  # fmt: skip
                workers.append(await start_run(env, tmp_path))
            for w in workers:
                await w.wait_for("webhook.listening")
            urls = [f"http://127.0.0.1:{p}{PATH}" for p in ports]

            emu.user(4242, first_name="Moussa", language_code="en")
            emu.send_text(4242, "/help")  # Telegram posts to the URL: the first worker
            welcome = (await emu.wait_for_message(4242, timeout=20)).text
            helped = emu.delivered_update(emu.last_update_id)
            for uid in (4343, 4444):
                emu.state.private_chat(emu.state.user(uid))
            # The second worker accepts updates too.
            assert await post_json(urls[1], as_if_from(helped, 4343, 90_001), SECRET) == 200
            assert (await emu.wait_for_message(4343, timeout=20)).text == welcome

            # One update posted to both at once: handled once, by whichever came first.
            twice = as_if_from(helped, 4444, 90_002)
            posts = await asyncio.gather(*(post_json(u, twice, SECRET) for u in urls))
            assert posts == [200, 200]
            assert (await emu.wait_for_message(4444, timeout=20)).text == welcome
            dropped = [asyncio.create_task(w.wait_for("update.duplicate update_id=90002"))
                       for w in workers]  # fmt: skip
            done, pending = await asyncio.wait(dropped, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            assert [t.exception() for t in done] == [None]
            await emu.wait_idle()
            assert len(emu.messages(4444)) == 1
            assert not emu.calls("getUpdates")
        finally:
            codes = [await w.end() for w in workers]
        for w, code in zip(workers, codes, strict=True):
            assert code == 0, w.log
            assert "Traceback" not in w.log
