"""A backup taken by `foyer db backup` in the middle of a week's fan-out, while the original
Foyer holds its database as `foyer run` does and goes on to finish; restored by `foyer db
restore` into an empty database and started against a fresh Telegram: nothing the original
had recorded as sent is sent again, and everything still pending is sent, once. Both backends.

Some members' chats answer 502 until the backup is taken (the sender retries them later), so
the backup certainly finds messages pending; the others are slowed, so it is taken while
messages are being sent.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.seed import WEEK1_DUE, seed, user_ids
from bot.app import build_application, running
from bot.delivery import planner
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.storage import db_lock
from bot.storage.db import make_engine
from bot.storage.tables import outbox
from tests.conftest import make_settings
from tests.test_backup import afoyer, make_folder
from tests.test_backup import empty_target as empty_target  # a fixture, used by name

GROUPS, MEMBERS = 5, 40  # 200 members, one week-1 prompt each
UNLUCKY = list(user_ids(GROUPS, MEMBERS))[::7]  # their chats fail until the backup is made


async def _outbox(url: str) -> dict[str, tuple[str, int]]:
    """Every outbox row: key -> (status, chat)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(outbox.c.key, outbox.c.status, outbox.c.chat_id))
            return {key: (status, int(chat)) for key, status, chat in rows}
    finally:
        await engine.dispose()


async def _sent(rt: Runtime) -> int:
    async with rt.engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "sent")
        return int((await conn.execute(query)).scalar_one())


async def _until_sent(rt: Runtime, count: int, clock: OffsetClock | None = None) -> None:
    """Wait until ``count`` rows are recorded sent; ``clock``: let retries come due meanwhile."""
    deadline = asyncio.get_running_loop().time() + 60
    while (sent := await _sent(rt)) < count:
        assert asyncio.get_running_loop().time() < deadline, f"{sent} of {count} sent"
        if clock is not None:
            clock.advance(timedelta(seconds=5))
        rt.wake_sender()
        await asyncio.sleep(0.05)


def _sends(emu: BotAPIEmulator) -> list[int]:
    """The chats of the messages this Telegram accepted, one entry a message."""
    sent = (c for c in emu.state.calls if c.method == "sendMessage" and c.status == 200)
    return [int(c.params["chat_id"]) for c in sent]


async def test_a_backup_mid_fan_out_restored_sends_what_was_pending_and_nothing_sent_again(
    db_url: str, backend: str, empty_target: str, tmp_path: Path
) -> None:
    await seed(db_url, GROUPS, MEMBERS, "tiny-4")
    total = GROUPS * MEMBERS
    file = tmp_path / "mid-fan-out.backup"
    clock = OffsetClock(WEEK1_DUE + timedelta(minutes=1))
    async with BotAPIEmulator(auto_chats=True) as first:
        for chat in UNLUCKY:  # before the delay: the first fault that matches answers
            first.inject("sendMessage", 502, chat_id=chat)
        first.inject("sendMessage", delay=0.03)
        app = build_application(make_settings(first, db_url, send_concurrency=8), clock=clock)
        # Held as `foyer run` holds it: the backup needs no lock of its own.
        with db_lock.serving(db_url):
            async with running(app, poll_timeout=1):
                rt = runtime_of(app)
                await planner.tick(rt)
                await _until_sent(rt, 20)
                code, out, err = await afoyer("db", "backup", str(file), url=db_url)
                assert code == 0, err
                assert out.startswith(f"wrote {file} (")
                first.clear_faults()  # Telegram is back for the unlucky: the original finishes
                await _until_sent(rt, total, clock)
                finished_at = clock.now()
    assert sorted(_sends(first)) == sorted(user_ids(GROUPS, MEMBERS))  # each once

    make_folder(empty_target)
    code, out, err = await afoyer("db", "restore", str(file), url=empty_target)
    assert code == 0, err
    at_backup = await _outbox(empty_target)
    assert len(at_backup) == total and len({chat for _, chat in at_backup.values()}) == total
    sent_before = {key for key, (status, _) in at_backup.items() if status == "sent"}
    waiting = {key for key, (status, _) in at_backup.items() if status in ("pending", "sending")}
    assert sent_before | waiting == set(at_backup)
    assert sent_before and len(waiting) >= len(UNLUCKY)  # taken midway: both kinds are there
    key_of = {chat: key for key, (_, chat) in at_backup.items()}

    # Foyer started on the restored database, against a fresh Telegram, a little later (on
    # PostgreSQL the original's claims wait for its lease, as after any crash).
    later = OffsetClock(finished_at + timedelta(minutes=2))
    async with BotAPIEmulator(auto_chats=True) as second:
        app = build_application(make_settings(second, empty_target), clock=later)
        async with running(app, poll_timeout=1):
            rt = runtime_of(app)
            await planner.tick(rt)
            await _until_sent(rt, total, later)
        resent = [key_of[chat] for chat in _sends(second)]
    assert len(resent) == len(set(resent))  # none twice
    assert not set(resent) & sent_before  # nothing recorded as sent before the backup
    assert set(resent) == waiting  # and every message pending at the backup
    after = await _outbox(empty_target)
    assert {status for status, _ in after.values()} == {"sent"}
