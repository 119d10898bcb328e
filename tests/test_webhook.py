"""Webhook mode through the real application: the emulator posts each update to PTB's webhook
server over real HTTP, as Telegram does. A request without the right secret is refused and
changes nothing; /healthz answers the health check; an update delivered twice (Telegram's
redelivery after a slow answer, a poller's handover) is handled once, in webhook and in polling
mode."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import vitals_of
from bot.emulator import BotAPIEmulator
from bot.emulator.webhook import post_json
from bot.infra.clock import OffsetClock
from bot.services import health
from bot.storage.tables import checkin, concern, handled_update
from tests.conftest import Foyer
from tests.test_delivery import WEEK1
from tests.test_safety_concerns import raise_concern
from tests.test_safety_help import FOCAL, focal_ready, start_foyer

SECRET = "s3cret_for_the_webhook_tests_0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_settings(port: int, path: str = "/telegram/update") -> dict[str, Any]:
    return {
        "webhook_url": f"http://127.0.0.1:{port}{path}",
        "webhook_listen": f"127.0.0.1:{port}",
        "webhook_secret": SECRET,
    }


@pytest.fixture
async def wfoyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    async for f in start_foyer(emu, db_url, clock, **webhook_settings(free_port())):
        yield f


def url_of(f: Foyer) -> str:
    url = f.rt.settings.webhook_url
    assert url is not None
    return url


async def answered_after(f: Foyer, uid: int, update_id: int) -> list[str]:
    """Redeliver ``update_id``, then wait for an answer to a later /help from the same person:
    updates of one chat are handled in order, so by then the repeat has been handled or
    dropped. The Bot API methods called meanwhile."""
    before = len(f.emu.calls())
    f.emu.redeliver(update_id)
    f.emu.send_text(uid, "/help")
    await f.last_message(uid)
    await f.emu.wait_idle()
    return [c.method for c in f.emu.calls()[before:] if c.method != "getUpdates"]


async def test_webhook_refuses_a_missing_or_wrong_secret_and_changes_nothing(wfoyer: Foyer) -> None:
    f = wfoyer
    info = f.emu.webhook_info()
    assert info["url"] == url_of(f) and info["allowed_updates"]
    uid = f.new_user()
    f.emu.send_text(uid, "/start")  # posted with the secret setWebhook gave
    welcome = (await f.last_message(uid)).text
    assert welcome
    # The same /start from someone else, posted by hand.
    stranger = f.new_user()
    f.emu.state.private_chat(f.emu.state.user(stranger))
    update = json.loads(json.dumps(f.emu.delivered_update(f.emu.last_update_id)))
    update["update_id"] += 1000
    update["message"]["from"]["id"] = update["message"]["chat"]["id"] = stranger
    await f.emu.wait_idle()
    calls = len(f.emu.calls())

    assert await post_json(url_of(f), update) == 403
    assert await post_json(url_of(f), update, "wrong_" + SECRET) == 403

    await f.emu.wait_idle()
    assert len(f.emu.calls()) == calls  # nothing answered, nothing sent
    assert f.emu.messages(stranger) == []
    async with f.rt.engine.connect() as conn:
        ids = (await conn.execute(select(handled_update.c.update_id))).scalars().all()
    assert update["update_id"] not in ids  # not even seen

    # With the secret, the very same request is served.
    assert await post_json(url_of(f), update, SECRET) == 200
    assert (await f.last_message(stranger)).text == welcome


async def test_healthz_answers_the_health_check(wfoyer: Foyer) -> None:
    f = wfoyer
    port = int(url_of(f).split(":")[2].split("/")[0])
    # A running Foyer's marks (a planner tick, Telegram's last answer), written now rather
    # than waited for: without a tick the check says down (503), by design.
    marks = vitals_of(f.app)
    await marks.planner_ticked(0.01)
    await marks.run()
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as answer,
    ):
        body = await answer.read()
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "application/json"
    expected = await health.check(f.rt.engine, f.rt.settings, f.clock.now())
    got, want = json.loads(body), expected.as_json()
    # The ages (seconds since a mark) move between the two asks; the rest is the same answer.
    ages = {k for k in want if k.endswith("_age_seconds")}
    assert {k: v for k, v in got.items() if k not in ages} == {
        k: v for k, v in want.items() if k not in ages
    }
    assert got.keys() == want.keys()
    assert expected.as_json()["status"] == "healthy"


async def checkin_pressed(f: Foyer) -> tuple[int, int]:
    """A member presses Partly on week 1's check-in; (the member, the press's update id)."""
    _gid, code = await f.create_group()
    uid = await f.join(code)
    await f.advance_to(WEEK1 + timedelta(days=3))
    msg = await f.emu.wait_for_message(uid, lambda m: "Check-in of week 1" in (m.text or ""))
    await f.press(uid, msg, "Partly")
    await f.emu.wait_for_edit(uid, msg.message_id)
    return uid, f.emu.last_update_id


async def checkins(f: Foyer) -> list[tuple[int, str]]:
    async with f.rt.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(select(checkin.c.week, checkin.c.value)))]


async def test_a_checkin_delivered_twice_to_the_webhook_counts_once(wfoyer: Foyer) -> None:
    uid, pressed = await checkin_pressed(wfoyer)
    called = await answered_after(wfoyer, uid, pressed)
    # The repeat is dropped before any handler: no second answer to the press, no edit.
    assert called == ["sendMessage"]
    assert await checkins(wfoyer) == [(1, "partly")]
    assert wfoyer.emu.webhook_info()["pending_update_count"] == 0


async def test_a_checkin_fetched_twice_by_polling_counts_once(foyer: Foyer) -> None:
    uid, pressed = await checkin_pressed(foyer)
    assert await answered_after(foyer, uid, pressed) == ["sendMessage"]
    assert await checkins(foyer) == [(1, "partly")]


async def test_a_concern_delivered_twice_files_one(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    settings = webhook_settings(free_port())
    async for f in start_foyer(emu, db_url, clock, **settings):
        await focal_ready(f, FOCAL)
        _gid, code = await f.create_group()
        uid = await f.join(code)
        ack = await raise_concern(f, uid, "Someone in the group threatens his wife")
        filed = f.emu.last_update_id
        assert "within 7 days" in ack.text
        assert await answered_after(f, uid, filed) == ["sendMessage"]
        async with f.rt.engine.connect() as conn:
            assert len((await conn.execute(select(concern.c.id))).all()) == 1
