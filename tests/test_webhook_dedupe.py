"""The update ids handled (bot/storage/handled_updates.py), on SQLite and PostgreSQL: each id is
new once, across workers sharing the database; a day later it is forgotten; and a database
that cannot write it lets the update through to its handlers rather than drop it."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.infra.clock import OffsetClock
from bot.storage import handled_updates
from bot.storage.db import make_engine
from bot.storage.tables import handled_update
from tests.conftest import T0, Foyer


async def test_an_update_id_is_new_once_and_forgotten_after_a_day(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert await handled_updates.record_new(engine, [1, 2, 2, 3], T0) == [
            True,
            True,
            False,  # the same update twice in one batch: the second is a repeat
            True,
        ]
        later = T0 + timedelta(hours=23)
        assert await handled_updates.record_new(engine, [3, 4], later) == [False, True]
        assert await handled_updates.prune(engine, T0 + timedelta(days=1, minutes=1)) == 3
        async with engine.connect() as conn:
            assert (await conn.execute(select(handled_update.c.update_id))).scalars().all() == [4]
    finally:
        await engine.dispose()


async def test_two_workers_seeing_one_update_at_once_handle_it_once(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(2)]
    try:
        sights = [handled_updates.FirstSight(e, OffsetClock(T0)) for e in engines]
        for update_id in range(100, 110):
            firsts = await asyncio.gather(*(s.first_time(update_id) for s in sights))
            assert sorted(firsts) == [False, True]
    finally:
        for e in engines:
            await e.dispose()


async def test_an_update_whose_id_cannot_be_written_is_still_answered(
    foyer: Foyer, caplog: pytest.LogCaptureFixture
) -> None:
    async with foyer.rt.engine.begin() as conn:
        await conn.execute(text("DROP TABLE handled_update"))
    uid = foyer.new_user()
    with caplog.at_level(logging.WARNING, logger="bot.storage.handled_updates"):
        foyer.emu.send_text(uid, "/help")
        assert (await foyer.last_message(uid)).text  # not dropped as a duplicate
    (line,) = [r.getMessage() for r in caplog.records if "update.dedupe_failed" in r.getMessage()]
    assert line.startswith(f"update.dedupe_failed update_id={foyer.emu.last_update_id} error=")
    assert "/help" not in line


async def test_the_hourly_job_forgets_ids_handled_over_a_day_ago(foyer: Foyer) -> None:
    now = foyer.clock.now()
    async with foyer.rt.engine.begin() as conn:
        await conn.execute(
            handled_update.insert(),
            [
                {"update_id": 1, "handled_at": now - timedelta(days=1, minutes=1)},
                {"update_id": 2, "handled_at": now - timedelta(hours=23)},
            ],
        )
    assert foyer.app.job_queue is not None
    (job,) = foyer.app.job_queue.get_jobs_by_name("handled_updates")
    await job.run(foyer.app)
    async with foyer.rt.engine.connect() as conn:
        kept = (await conn.execute(select(handled_update.c.update_id))).scalars().all()
    assert kept == [2]
