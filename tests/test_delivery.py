"""The weekly programme through the real pipeline: planner, outbox, sender, emulator."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.app import build_application, running
from bot.runtime import runtime_of
from bot.storage import broadcasts
from bot.storage.tables import checkin, outbox, person
from tests.conftest import Foyer, button_data, make_settings, msg_buttons

# Group defaults: meets Thursday 17:00 from 2026-12-03, delivers Friday 09:00, Bamako (UTC+0).
WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def prompts(f: Foyer, uid: int) -> list[str]:
    return [m.text for m in f.emu.messages(uid) if m.text and m.text.startswith("Week ")]


async def statuses(f: Foyer) -> dict[str, int]:
    async with f.rt.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.status))).scalars().all()
    out: dict[str, int] = {}
    for s in rows:
        out[s] = out.get(s, 0) + 1
    return out


async def test_week_one_arrives_at_local_delivery_time_then_checkin(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    await foyer.advance_to(WEEK1 - timedelta(minutes=1))
    await foyer.settle()
    assert prompts(foyer, uid) == []

    await foyer.advance_to(WEEK1)
    msg = await foyer.last_message(uid)
    assert msg.text.startswith("Week 1: Theme 1")
    assert "Prompt of week 1" in msg.text and "Challenge of week 1" in msg.text

    # Three days later: the check-in with three buttons.
    await foyer.advance_to(WEEK1 + timedelta(days=3))
    msg = await foyer.last_message(uid)
    assert "Check-in of week 1" in msg.text
    assert [b[0] for b in msg_buttons(msg)[0]] == ["✅ Done", "🌓 Partly", "⏳ Not yet"]

    await foyer.press(uid, msg, "Partly")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "Tip of week 1" in (msg.text or "")
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(checkin.c.week, checkin.c.value))).all() == [
            (1, "partly")
        ]
    foyer.emu.send_text(uid, "/progress")
    assert "Week 1: Partly" in (await foyer.last_message(uid)).text

    # Ticking again, or many times, sends nothing twice.
    for _ in range(3):
        await foyer.tick()
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 1


async def test_late_joiner_starts_at_current_week(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    early = await foyer.join(code)
    for day in (0, 3, 7):  # up to week 2
        await foyer.advance_to(WEEK1 + timedelta(days=day, hours=1))
        await foyer.settle()
    assert [p.split(":")[0] for p in prompts(foyer, early)] == ["Week 1", "Week 2"]
    late = await foyer.join(code)
    msg = await foyer.last_message(late)
    assert msg.text.startswith("Week 2")
    await foyer.tick()
    await foyer.settle()
    assert [p.split(":")[0] for p in prompts(foyer, late)] == ["Week 2"]


async def test_pause_resume_and_stop(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    foyer.emu.send_text(uid, "/pause")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "1 week")
    assert "Paused until" in ((await foyer.emu.wait_for_edit(uid, msg.message_id)).text or "")

    await foyer.advance_to(WEEK1)  # within the pause: nothing
    await foyer.settle()
    assert prompts(foyer, uid) == []

    await foyer.advance_to(WEEK1 + timedelta(days=7))  # pause over: week 2 arrives
    await foyer.settle()
    assert [p.split(":")[0] for p in prompts(foyer, uid)] == ["Week 2"]

    foyer.emu.send_text(uid, "PAUSE")  # a plain word works like the command
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "Until I send /resume")
    await foyer.emu.wait_for_edit(uid, msg.message_id)
    await foyer.advance_to(WEEK1 + timedelta(days=14))
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 1
    foyer.emu.send_text(uid, "/resume")
    assert "Welcome back" in (await foyer.last_message(uid)).text

    foyer.emu.send_text(uid, "arrêt")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "Yes, stop")
    assert "not receive any more" in (
        (await foyer.emu.wait_for_edit(uid, msg.message_id)).text or ""
    )
    await foyer.advance_to(WEEK1 + timedelta(days=21))
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 1


async def test_blocked_member_is_marked_and_not_retried(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    blocker = await foyer.join(code)
    other = await foyer.join(code)
    foyer.emu.block(blocker)
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    assert len(prompts(foyer, other)) == 1
    async with foyer.rt.engine.connect() as conn:
        blocked = (
            await conn.execute(select(person.c.blocked).where(person.c.telegram_id == blocker))
        ).scalar_one()
    assert blocked is True
    calls_before = len(foyer.emu.calls("sendMessage"))
    await foyer.advance_to(WEEK1 + timedelta(days=3))  # check-in: only the other member
    await foyer.settle()
    to_blocker = [
        c
        for c in foyer.emu.calls("sendMessage")[calls_before:]
        if str(c.params.get("chat_id")) == str(blocker)
    ]
    assert to_blocker == []
    assert (await statuses(foyer)).get("blocked") == 1


@pytest.mark.parametrize("in_flight", [1, 8])
async def test_429_storm_is_waited_out_and_nothing_duplicated(
    emu,
    db_url,
    clock,
    in_flight,
) -> None:
    # With 8 sends in flight, the flood gate in the HTTP client still holds every request that
    # had not started writing when the 429's headers arrived, replies to people included.
    app = build_application(make_settings(emu, db_url, send_concurrency=in_flight), clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uids = [await f.join(code) for _ in range(5 * in_flight)]
        emu.inject(method="sendMessage", status=429, retry_after=2, times=3)
        await f.advance_to(WEEK1)
        await asyncio.sleep(0.3)
        emu.send_text(uids[0], "/help")  # answered after the wait, not inside it
        await f.settle(timeout=30)
        await f.last_message(uids[0], timeout=10)
        for uid in uids:
            assert len(prompts(f, uid)) == 1
        assert emu.early_calls == 0
        assert f.rt.flood.remaining == 0
        assert len([c for c in emu.calls("sendMessage") if c.status == 429]) >= 3


async def test_calls_in_flight_never_exceed_the_http_cap(emu, db_url, clock) -> None:
    # Eight sender workers, two calls at a time: the others wait in Foyer, not in httpcore.
    settings = make_settings(emu, db_url, send_concurrency=8, http_concurrency=2)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uids = [await f.join(code) for _ in range(10)]
        emu.reset_counters()
        emu.inject(method="sendMessage", delay=0.05, times=1000)
        await f.advance_to(WEEK1)
        await f.settle(timeout=20)
        for uid in uids:
            assert len(prompts(f, uid)) == 1
    assert emu.peak_in_flight == 2


def _recorded_prompts(path: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as con:
        (n,) = con.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'"
        ).fetchone()
    return int(n)


async def test_sends_stop_at_the_send_concurrency_while_records_cannot_be_written(
    emu, db_url, clock
) -> None:
    """Another process holds SQLite's write lock, so no record can be committed: the sender
    goes on sending past its two lanes until six messages (FOYER_SEND_CONCURRENCY) are sent
    and unrecorded, and no further. That is all a crash could repeat. Once the lock is gone,
    everyone has the prompt exactly once."""
    path = db_url.removeprefix("sqlite+aiosqlite:///")
    settings = make_settings(emu, db_url, send_concurrency=6, http_concurrency=2)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uids = [await f.join(code) for _ in range(30)]
        emu.inject(method="sendMessage", delay=0.01, times=1000)
        await f.advance_to(WEEK1)
        while _recorded_prompts(path) == 0:  # noqa: ASYNC110 (the database, not an event)
            await asyncio.sleep(0.005)
        locked, release = threading.Event(), threading.Event()

        def hold_write_lock() -> None:
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as con:
                con.execute("BEGIN IMMEDIATE")
                locked.set()
                release.wait(20)
                con.rollback()

        holder = threading.Thread(target=hold_write_lock)
        holder.start()
        try:
            assert await asyncio.to_thread(locked.wait, 10)
            await asyncio.sleep(1.0)
            delivered = sum(len(prompts(f, uid)) for uid in uids)
            recorded = _recorded_prompts(path)
            assert delivered - recorded == 6
            await asyncio.sleep(0.5)
            assert sum(len(prompts(f, uid)) for uid in uids) == delivered
        finally:
            release.set()
            await asyncio.to_thread(holder.join)
        await f.settle(timeout=20)
        assert [len(prompts(f, uid)) for uid in uids] == [1] * len(uids)


async def test_presses_of_one_moment_are_stored_together_and_forged_ones_refused(
    foyer: Foyer,
) -> None:
    """Many members press at once, so their presses reach the check-in batcher together; a
    forged button among them, naming another member's check-in, is refused and stores
    nothing, and the others are stored and answered as if each had pressed alone."""
    _gid, code = await foyer.create_group()
    uids = [await foyer.join(code) for _ in range(6)]
    await foyer.advance_to(WEEK1 + timedelta(days=3))
    await foyer.settle()
    checkins = {uid: await foyer.emu.wait_for_message(uid) for uid in uids}
    *honest, forger = uids
    victim_data = button_data(checkins[honest[0]], "Not yet")
    for uid in honest:
        await foyer.press(uid, checkins[uid], "Done")
    qid = foyer.emu.press_button(forger, checkins[forger].message_id, victim_data)
    for uid in honest:
        edited = await foyer.emu.wait_for_edit(uid, checkins[uid].message_id)
        assert (edited.text or "").startswith("Well done")
    answer = await foyer.emu.wait_for_callback_answer(qid)
    assert "no longer works" in answer.get("text", "")
    async with foyer.rt.engine.connect() as conn:
        rows = (await conn.execute(select(checkin.c.membership_id, checkin.c.value))).all()
    assert sorted(v for _, v in rows) == ["done"] * len(honest)


async def test_server_errors_are_retried(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uids = [await foyer.join(code) for _ in range(3)]
    foyer.emu.inject(method="sendMessage", status=502, times=2)
    await foyer.advance_to(WEEK1)
    # Backoff is a few seconds of real time: move the clock past it instead of sleeping.
    for _ in range(4):
        await foyer.settle_after(timedelta(seconds=30))
    for uid in uids:
        assert len(prompts(foyer, uid)) == 1
    assert (await statuses(foyer)).get("sent") == 3


async def test_downtime_longer_than_grace_expires_instead_of_sending(
    emu,
    db_url,
    clock,
) -> None:
    settings = make_settings(emu, db_url, grace_hours=24)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uid = await f.join(code)
    # Foyer is down from Tuesday to Saturday noon: the Friday prompt is 27 hours late.
    clock.set(WEEK1 + timedelta(hours=27))
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        await f.tick()
        await f.settle()
        assert prompts(f, uid) == []
        assert (await statuses(f)).get("expired") == 1
        # The check-in (Monday) comes on time and is sent.
        await f.advance_to(WEEK1 + timedelta(days=3))
        await f.settle()
        assert "Check-in of week 1" in (await f.last_message(uid)).text


async def test_downtime_within_grace_still_delivers(emu, db_url, clock) -> None:
    settings = make_settings(emu, db_url, grace_hours=24)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uid = await f.join(code)
    clock.set(WEEK1 + timedelta(hours=5))
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        await f.tick()
        await f.settle()
        assert len(prompts(f, uid)) == 1


async def test_restart_in_the_middle_of_a_fan_out(emu, db_url, clock) -> None:
    """Stop Foyer while a slow fan-out is half done: after restart, everyone has it once."""
    settings = make_settings(emu, db_url, send_concurrency=2)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await f.create_group()
        uids = [await f.join(code) for _ in range(12)]
        emu.inject(method="sendMessage", delay=0.15, times=1000)
        await f.advance_to(WEEK1)
        await emu.wait_for_message(uids[0], timeout=10)
        # leave the context while the sender is still working through the batch
    emu.clear_faults()
    sent_first = sum(len(prompts(f, u)) for u in uids)
    assert 0 < sent_first < len(uids)
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        await f.tick()
        await f.settle()
    assert [len(prompts(f, u)) for u in uids] == [1] * len(uids)


async def test_dst_change_keeps_local_delivery_time(foyer: Foyer) -> None:
    # Paris: weeks before and after the switch to summer time on 2027-03-28.
    foyer.clock.set(datetime(2027, 3, 15, tzinfo=UTC))
    _gid, code = await foyer.create_group(timezone="Europe/Paris", starts=date(2027, 3, 25))
    uid = await foyer.join(code)
    # Week 1: Friday 26 March 09:00 CET = 08:00 UTC.
    await foyer.advance_to(datetime(2027, 3, 26, 7, 59, tzinfo=UTC))
    await foyer.settle()
    assert prompts(foyer, uid) == []
    await foyer.advance_to(datetime(2027, 3, 26, 8, 0, tzinfo=UTC))
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 1
    # Week 2: Friday 2 April 09:00 CEST = 07:00 UTC.
    await foyer.advance_to(datetime(2027, 4, 2, 6, 59, tzinfo=UTC))
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 1
    await foyer.advance_to(datetime(2027, 4, 2, 7, 0, tzinfo=UTC))
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 2


async def test_new_york_group_delivers_at_nine_local(foyer: Foyer) -> None:
    foyer.clock.set(datetime(2026, 10, 20, tzinfo=UTC))
    _gid, code = await foyer.create_group(
        timezone="America/New_York", starts=date(2026, 10, 29), meet=(3, time(18, 0))
    )
    uid = await foyer.join(code)
    await foyer.advance_to(datetime(2026, 10, 30, 13, 0, tzinfo=UTC))  # 09:00 EDT, week 1
    await foyer.settle()
    await foyer.advance_to(datetime(2026, 11, 6, 13, 59, tzinfo=UTC))  # 08:59 EST, week 2
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 1  # week 1 (09:00 EDT on 30 October)
    await foyer.advance_to(datetime(2026, 11, 6, 14, 0, tzinfo=UTC))
    await foyer.settle()
    assert len(prompts(foyer, uid)) == 2


async def _seen(f: Foyer, uid: int) -> tuple[datetime | None, bool]:
    async with f.rt.engine.connect() as conn:
        row = (
            await conn.execute(
                select(person.c.last_seen_at, person.c.blocked).where(person.c.telegram_id == uid)
            )
        ).one()
    return row.last_seen_at, row.blocked


async def test_last_seen_is_written_behind_and_unblocking_at_once(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    member = await foyer.join(code)
    joined_seen, _ = await _seen(foyer, member)
    await foyer.advance(timedelta(hours=3))
    foyer.emu.send_text(member, "/progress")
    await foyer.last_message(member)
    await foyer.rt.seen.flush()
    seen, _ = await _seen(foyer, member)
    assert joined_seen is not None and seen is not None
    assert seen - joined_seen >= timedelta(hours=3)

    # A member who blocked us and writes again is unblocked before the answer goes out.
    foyer.emu.block(member)
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    assert (await _seen(foyer, member))[1] is True
    foyer.emu.unblock(member)
    foyer.emu.send_text(member, "/progress")
    await foyer.last_message(member)
    assert (await _seen(foyer, member))[1] is False


async def test_a_long_queue_for_one_person_held_back_for_a_retry_does_not_stall(
    foyer: Foyer,
) -> None:
    # 150 messages to one member fill the sender's queue past half a batch; the first fails,
    # so the other 149 go back to the outbox behind it, and the sender must claim again.
    gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    now = foyer.clock.now()
    async with foyer.rt.engine.begin() as conn:
        author = (
            await conn.execute(select(person.c.id).where(person.c.telegram_id == uid))
        ).scalar_one()
        for n in range(150):
            bid = await broadcasts.create(
                conn,
                group_id=gid,
                author_id=author,
                kind="text",
                text=f"News {n}",
                file_id=None,
                send_at=None,
                now=now,
            )
            await broadcasts.confirm(conn, bid, now)
            await broadcasts.fan_out(
                conn, broadcast_id=bid, group_id=gid, kind="broadcast", due_at=now
            )
    foyer.emu.inject(method="sendMessage", status=502, times=1, chat_id=uid)
    foyer.rt.wake_sender()
    await foyer.settle_after(timedelta(seconds=30))
    texts = [m.text or "" for m in foyer.emu.messages(uid)]
    news = [t.split("News ")[1] for t in texts if "News " in t]
    assert news == [str(n) for n in range(150)]
