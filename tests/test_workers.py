"""Several senders on one PostgreSQL database (issue 19): each message goes out once, each chat
gets its messages in the outbox's order, and a worker that stops being seen loses its claims
to the others once its lease ends, not before."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from bench.seed import WEEK1_DUE, seed, user_ids
from bot.app import build_application
from bot.delivery import kinds, planner
from bot.delivery.render import renderer_table
from bot.delivery.sender import Sender
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.storage import broadcasts
from bot.storage.db import make_engine
from bot.storage.tables import outbox, worker
from tests.conftest import Foyer, make_settings

GROUPS, MEMBERS, NEWS = 4, 40, 3  # 160 chats, 4 messages each


@dataclass
class Worker:
    """A sender of its own (engine, Runtime, HTTP client, flood gate), as in another process."""

    app: Any
    rt: Runtime
    sender: Sender
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.sender.run())

    async def kill(self) -> None:
        """Ends without a clean stop: what it holds stays claimed, its row stays."""
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@contextlib.asynccontextmanager
async def a_worker(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock, **settings: Any
) -> AsyncIterator[Worker]:
    app = build_application(make_settings(emu, db_url, **settings), clock=clock)
    await app.initialize()
    rt = runtime_of(app)
    w = Worker(app, rt, Sender(rt, app.bot, renderer_table(kinds.REGISTERED)))
    try:
        yield w
    finally:
        if w.task is not None and not w.task.done():
            w.sender.stop()
            await asyncio.wait_for(w.task, 30)
        await app.shutdown()
        await rt.engine.dispose()


async def drained(rt: Runtime, timeout: float = 60) -> None:
    """Until no row is pending or being sent."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with rt.engine.connect() as conn:
            waiting = (
                await conn.execute(
                    select(func.count()).where(outbox.c.status.in_(("pending", "sending")))
                )
            ).scalar_one()
        if waiting == 0:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{waiting} rows still waiting"
        await asyncio.sleep(0.05)


def received(emu: BotAPIEmulator, uid: int) -> list[str]:
    """What the chat got, in order: W for week 1's prompt, the number of each news."""
    texts = [m.text or "" for m in emu.messages(uid)]
    return ["W" if "Prompt of week 1" in t else t.split("News ")[-1] for t in texts]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_workers_send_each_message_once_and_each_chat_in_order(
    backend: str, db_url: str, clock: OffsetClock
) -> None:
    """Two senders drain one backlog together: every chat has week 1's prompt and three news,
    some chats meet a 5xx or a 429 on the way, and still each gets its four messages once and
    in the outbox's order. (Before: both claimed the same rows, and sent them twice.)"""
    await seed(db_url, GROUPS, MEMBERS, curriculum="tiny-4")
    clock.set(WEEK1_DUE + timedelta(minutes=1))
    uids = list(user_ids(GROUPS, MEMBERS))
    async with BotAPIEmulator(auto_chats=True) as emu:
        async with a_worker(emu, db_url, clock) as a, a_worker(emu, db_url, clock) as b:
            await planner.tick(a.rt)
            now = clock.now()
            async with a.rt.engine.begin() as conn:
                for gid in range(1, GROUPS + 1):
                    for n in range(NEWS):
                        bid = await broadcasts.create(
                            conn, group_id=gid, author_id=1, kind="text", text=f"News {n}",
                            file_id=None, send_at=None, now=now,
                        )  # fmt: skip
                        await broadcasts.confirm(conn, bid, now)
                        await broadcasts.fan_out(
                            conn, broadcast_id=bid, group_id=gid, kind="broadcast", due_at=now
                        )
            for uid in uids[::40]:
                emu.inject(method="sendMessage", status=502, times=1, chat_id=uid)
            for uid in uids[7::53]:
                emu.inject(method="sendMessage", status=429, retry_after=1, times=1, chat_id=uid)
            a.start()
            b.start()
            await drained(a.rt)
            # Both took part (the claims were shared, not taken by the first to start).
            async with a.rt.engine.connect() as conn:
                owners = (
                    await conn.execute(
                        select(outbox.c.claimed_by, func.count()).group_by(outbox.c.claimed_by)
                    )
                ).all()
                statuses = (
                    await conn.execute(select(outbox.c.status).distinct())
                ).scalars().all()  # fmt: skip
        # Both stopped cleanly: nothing held, no worker row left for a lease to end.
        engine = make_engine(db_url)
        async with engine.connect() as conn:
            workers_left = (await conn.execute(select(func.count()).select_from(worker))).scalar()
        await engine.dispose()
        wrong = {uid: got for uid in uids if (got := received(emu, uid)) != ["W", "0", "1", "2"]}
        assert wrong == {}
        assert sorted(statuses) == ["sent"]
        assert workers_left == 0
        assert len(owners) == 2 and all(n > 0 for _, n in owners)
        assert len([c for c in emu.calls("sendMessage") if c.status in (429, 502)]) >= 2


async def seen_at(rt: Runtime, worker_id: int) -> datetime | None:
    async with rt.engine.connect() as conn:
        query = select(worker.c.seen_at).where(worker.c.id == worker_id)
        return (await conn.execute(query)).scalar_one_or_none()


async def until(condition: Any, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_worker_no_longer_seen_loses_its_claims_after_its_lease_not_before(
    backend: str, db_url: str, clock: OffsetClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Worker A claims the week's prompts and cannot send them (Telegram asks it to wait);
    while A is seen, B leaves them alone, however long; A's task then ends without a clean
    stop, and B sends them once A's last heartbeat is a lease old."""
    caplog.set_level(logging.INFO, logger="bot.delivery.sender")
    lease = 1.5
    await seed(db_url, 1, 20, curriculum="tiny-4")
    clock.set(WEEK1_DUE + timedelta(minutes=1))
    uids = list(user_ids(1, 20))
    async with BotAPIEmulator(auto_chats=True) as emu:
        async with (
            a_worker(emu, db_url, clock, worker_lease_seconds=lease) as a,
            a_worker(emu, db_url, clock, worker_lease_seconds=lease) as b,
        ):
            await planner.tick(a.rt)
            a.rt.flood.close_for(600)  # A's sends wait for a flood wait that never ends
            a.start()

            async def all_claimed() -> bool:
                async with a.rt.engine.connect() as conn:
                    query = select(func.count()).where(outbox.c.status == "sending")
                    return (await conn.execute(query)).scalar_one() == len(uids)

            await until(all_claimed)
            b.start()
            b_started = clock.now()

            async def a_seen_well_after_b_started() -> bool:
                seen = await seen_at(a.rt, a.sender._worker)
                return seen is not None and seen > b_started + timedelta(seconds=2 * lease)

            # A stays alive for two leases with B running: B takes nothing of A's.
            await until(a_seen_well_after_b_started)
            assert sum(len(emu.messages(uid)) for uid in uids) == 0
            a_id = a.sender._worker
            await a.kill()
            last_seen = await seen_at(a.rt, a_id)
            assert last_seen is not None
            await drained(b.rt)
            async with b.rt.engine.connect() as conn:
                sent = (await conn.execute(select(outbox.c.sent_at, outbox.c.claimed_by))).all()
                a_row = await seen_at(b.rt, a_id)
        assert [len(emu.messages(uid)) for uid in uids] == [1] * len(uids)
        assert all(at >= last_seen + timedelta(seconds=lease) for at, _ in sent)
        assert {owner for _, owner in sent} == {b.sender._worker}
        assert a_row is None  # A's row went with its claims
        released = [r.getMessage() for r in caplog.records if "released_claims" in r.getMessage()]
        assert released == [f"sender.released_claims rows={len(uids)}"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_worker_declared_dead_registers_again_and_goes_on(
    foyer: Foyer, caplog: pytest.LogCaptureFixture
) -> None:
    """Another worker took this one for dead (it was cut off for longer than the lease) and
    deleted its row: it claims under a new id from its next claim on, and delivers."""
    caplog.set_level(logging.INFO, logger="bot.delivery.sender")
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    async with foyer.rt.engine.begin() as conn:
        (old,) = (await conn.execute(select(worker.c.id))).scalars().all()
        await conn.execute(delete(worker))
    await foyer.advance_to(WEEK1_DUE)
    await foyer.settle()
    texts = [m.text or "" for m in foyer.emu.messages(uid)]
    assert [t[:6] for t in texts if t.startswith("Week")] == ["Week 1"]
    async with foyer.rt.engine.connect() as conn:
        (new,) = (await conn.execute(select(worker.c.id))).scalars().all()
        query = select(outbox.c.claimed_by, outbox.c.status).where(outbox.c.kind == "prompt")
        ((owner, status),) = (await conn.execute(query)).all()
    assert status == "sent" and new != old and owner == new
    lost = [r.getMessage() for r in caplog.records if "worker_lost" in r.getMessage()]
    assert lost == [f"sender.worker_lost worker={old} new={new}"]
