"""The sender when the database refuses writes, or a row vanishes under it: never a message that
could not be recorded, never one sent twice by the same process, one log line per outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.app import build_application, running
from bot.delivery import planner
from bot.runtime import runtime_of
from bot.storage import broadcasts
from bot.storage.tables import erasable, outbox, person
from tests.conftest import Foyer, make_settings

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def prompts(f: Foyer, uid: int) -> list[str]:
    return [m.text for m in f.emu.messages(uid) if m.text and m.text.startswith("Week ")]


async def query_only(f: Foyer, on: bool) -> None:
    """SQLite refuses every write on Foyer's connection ("attempt to write a readonly
    database"), as on a full disk or a file made read-only, while reads still work."""
    async with f.rt.engine.connect() as conn:
        await conn.exec_driver_sql(f"PRAGMA query_only={'ON' if on else 'OFF'}")


async def count_status(f: Foyer, status: str) -> int:
    async with f.rt.engine.connect() as conn:
        query = select(func.count()).where(outbox.c.kind == "prompt", outbox.c.status == status)
        return int((await conn.execute(query)).scalar_one())


@pytest.fixture
def sender_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="bot.delivery.sender")
    yield caplog


def lines(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(event)]


async def test_nothing_is_sent_while_the_claim_cannot_be_written(
    foyer: Foyer, sender_log: pytest.LogCaptureFixture
) -> None:
    _gid, code = await foyer.create_group()
    uids = [await foyer.join(code) for _ in range(4)]
    await query_only(foyer, True)
    foyer.clock.set(WEEK1)
    # The planner cannot write either; put the week's rows in as if written before the fault.
    await query_only(foyer, False)
    await foyer.tick()
    await query_only(foyer, True)
    foyer.rt.wake_sender()
    await asyncio.sleep(2)
    assert [len(prompts(foyer, uid)) for uid in uids] == [0, 0, 0, 0]
    assert len(lines(sender_log, "sender.paused")) == 1
    await query_only(foyer, False)
    foyer.rt.wake_sender()
    await foyer.settle(timeout=40)
    assert [len(prompts(foyer, uid)) for uid in uids] == [1, 1, 1, 1]
    assert len(lines(sender_log, "sender.paused")) == 1
    assert len(lines(sender_log, "sender.resumed")) == 1


async def test_sends_whose_records_fail_are_never_repeated_and_wait_for_the_database(
    emu: Any, db_url: str, clock: Any, sender_log: pytest.LogCaptureFixture
) -> None:
    """The week's prompts are claimed, then the database refuses writes while they go out.
    Before: each failed record put the rows back and the next claim (a read) took them again,
    so members got the prompt over and over. Now the sends stop at the permits (6), nobody
    gets a copy twice, and when writes work again every outcome is written."""
    settings = make_settings(emu, db_url, send_concurrency=6, http_concurrency=2)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uids = [await f.join(code) for _ in range(20)]
        emu.inject(method="sendMessage", delay=0.05, times=1000)
        await f.advance_to(WEEK1)
        while await count_status(f, "sent") == 0:  # noqa: ASYNC110 (the database, no event)
            await asyncio.sleep(0.01)
        await query_only(f, True)
        recorded = await count_status(f, "sent")
        await asyncio.sleep(2.5)  # a storm would send dozens of copies in this time
        copies = [len(prompts(f, uid)) for uid in uids]
        assert max(copies) == 1
        assert 0 < sum(copies) - recorded <= 6
        assert await count_status(f, "sent") == recorded
        assert len(lines(sender_log, "sender.paused")) == 1
        await query_only(f, False)
        await f.settle(timeout=40)
        assert [len(prompts(f, uid)) for uid in uids] == [1] * len(uids)
        assert await count_status(f, "sent") == len(uids)
        assert len(lines(sender_log, "sender.paused")) == 1
        assert len(lines(sender_log, "sender.resumed")) == 1


async def test_a_forget_while_a_broadcast_is_on_its_way_fails_no_one_elses_record(
    emu: Any, db_url: str, clock: Any
) -> None:
    """One member erases himself while his copy of a broadcast is in flight, sent together
    with three others'. His record must not roll back theirs (before: a foreign-key error
    rolled back the whole group commit and the other three got the broadcast again)."""
    settings = make_settings(emu, db_url, send_concurrency=4, http_concurrency=8)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        gid, code = await f.create_group()
        leaver = await f.join(code)
        others = [await f.join(code) for _ in range(3)]
        now = f.clock.now()
        async with f.rt.engine.begin() as conn:
            author = (
                await conn.execute(select(person.c.id).where(person.c.telegram_id == others[0]))
            ).scalar_one()
            bid = await broadcasts.create(
                conn,
                group_id=gid,
                author_id=author,
                kind="text",
                text="Meeting moved to the school",
                file_id=None,
                send_at=None,
                now=now,
            )
            await broadcasts.confirm(conn, bid, now)
            await broadcasts.fan_out(
                conn, broadcast_id=bid, group_id=gid, kind="broadcast", due_at=now
            )
        for uid in (leaver, *others):  # the four copies are answered together, late
            emu.inject(method="sendMessage", delay=2.0, times=1, chat_id=uid)
        f.rt.wake_sender()
        await asyncio.sleep(0.3)
        emu.send_text(leaver, "/forget")
        confirm = await f.emu.wait_for_message(leaver, lambda m: bool(m.reply_markup))
        await f.press(leaver, confirm, "Yes, delete everything")
        await f.emu.wait_for_message(leaver, lambda m: "Foyer has deleted" in (m.text or ""))
        await f.settle(timeout=20)
        await asyncio.sleep(0.5)
        for uid in others:
            got = [m for m in emu.messages(uid) if "Meeting moved" in (m.text or "")]
            assert len(got) == 1, uid
        async with f.rt.engine.connect() as conn:
            statuses = (
                await conn.execute(select(outbox.c.status).where(outbox.c.ref == str(bid)))
            ).scalars()
            kept = (await conn.execute(select(erasable.c.chat_id))).scalars().all()
        assert sorted(statuses) == ["sent"] * 3
        assert leaver not in kept


async def test_rows_a_killed_process_left_being_sent_go_out_after_a_restart(
    emu: Any, db_url: str, clock: Any
) -> None:
    app = build_application(make_settings(emu, db_url), clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uids = [await f.join(code) for _ in range(3)]
    # As a process killed between its claim and its sends leaves them.
    clock.set(WEEK1)
    await planner.tick(f.rt)
    async with f.rt.engine.begin() as conn:
        await conn.execute(update(outbox).values(status="sending"))
    app = build_application(make_settings(emu, db_url), clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        await f.settle()
        assert [len(prompts(f, uid)) for uid in uids] == [1, 1, 1]
        assert await count_status(f, "sent") == 3
