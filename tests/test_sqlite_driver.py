"""SQLite in its own process (bot/storage/sqlite_driver.py): DB-API behaviour kept, and the
process lives and dies with the bot's."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import make_engine

meta = MetaData()
item = Table("item", meta, Column("id", Integer, primary_key=True), Column("name", String))


@pytest.fixture
async def engine(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


async def test_rowcount_lastrowid_and_returning(engine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(item).values(id=1, name="a"))
        assert first.rowcount == 1 and first.inserted_primary_key == (1,)
        ignored = await conn.execute(
            sqlite_insert(item).values(id=1, name="b").on_conflict_do_nothing()
        )
        assert ignored.rowcount == 0  # read after SQLAlchemy closed the cursor
        many = await conn.execute(insert(item), [{"id": i, "name": str(i)} for i in range(2, 300)])
        assert many.rowcount == 298
        changed = await conn.execute(
            update(item).where(item.c.id > 100).values(name="x").returning(item.c.id)
        )
        assert sorted(changed.scalars()) == list(range(101, 300))


async def test_many_rows_one_at_a_time_and_in_chunks(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item), [{"id": i, "name": str(i)} for i in range(1, 1001)])
    async with engine.connect() as conn:
        result = await conn.execute(select(item.c.id).order_by(item.c.id))
        assert result.fetchone() == (1,)
        assert [r.id for r in result.fetchmany(5)] == [2, 3, 4, 5, 6]
        assert len(result.all()) == 994
        streamed = await conn.stream(select(item.c.id).order_by(item.c.id))
        assert [r.id async for r in streamed] == list(range(1, 1001))


async def test_rollback_still_undoes_writes(engine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(insert(item).values(id=7, name="gone"))
            raise RuntimeError
    async with engine.connect() as conn:
        assert (await conn.execute(select(item))).all() == []
        await conn.execute(insert(item).values(id=8, name="not committed"))
        await conn.rollback()
        assert (await conn.execute(select(item))).all() == []
        bad = conn.execute(text("SELECT nope FROM item"))
        with pytest.raises(Exception, match="no such column"):
            await bad


async def database_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        return int(raw.driver_connection.pid)  # type: ignore[union-attr]


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (or is a zombie nobody reaped) within the time."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


async def test_errors_arrive_as_sqlite_errors(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="a"))
    with pytest.raises(IntegrityError) as raised:
        async with engine.begin() as conn:
            await conn.execute(insert(item).values(id=1, name="again"))
    assert "UNIQUE" in str(raised.value.orig)
    async with engine.connect() as conn:  # the same connection goes on working
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["a"]


async def test_megabytes_each_way(engine) -> None:
    rows = [{"id": i, "name": f"{i:06d}" + "é" * 300} for i in range(1, 20_001)]
    async with engine.begin() as conn:
        await conn.execute(insert(item), rows)  # about 12 MB of request
    async with engine.connect() as conn:
        names = (await conn.execute(select(item.c.name).order_by(item.c.id))).scalars().all()
    assert names == [r["name"] for r in rows]


# Counting to three million takes SQLite a good fraction of a second.
SLOW_COUNT = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000)"


async def cancel_while_running(engine: AsyncEngine, sql: str, *, write: bool) -> None:
    """Start ``sql``, cancel its caller while the database process still runs it."""

    async def run() -> None:
        async with engine.begin() if write else engine.connect() as conn:
            await conn.execute(text(sql))

    task = asyncio.create_task(run())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancelled_statement_leaves_the_replies_in_order(engine) -> None:
    await cancel_while_running(engine, f"{SLOW_COUNT} SELECT count(*) FROM n", write=False)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT 42"))).scalar_one() == 42
        await conn.execute(insert(item).values(id=5, name="after"))
        await conn.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["after"]


async def test_ctrl_c_leaves_the_database_process_to_the_bot(engine) -> None:
    pid = await database_pid(engine)
    os.kill(pid, signal.SIGINT)  # what a terminal sends the whole process group
    os.kill(pid, signal.SIGTERM)  # what a service manager sends it
    await asyncio.sleep(0.2)
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="still here"))
    assert await database_pid(engine) == pid
    await engine.dispose()
    assert gone(pid)


async def test_a_lost_database_process_is_replaced_before_the_next_statement(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="kept"))
    pid = await database_pid(engine)
    os.kill(pid, signal.SIGKILL)
    assert gone(pid)
    # The pool's checkout sees the process gone and opens a new one: nobody meets the error.
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["kept"]
    assert await database_pid(engine) != pid


def test_the_database_process_dies_with_the_bot(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    script = textwrap.dedent(
        f"""
        import asyncio, sys, time
        from sqlalchemy import text
        from bot.storage.db import make_engine

        async def main():
            engine = make_engine("sqlite+aiosqlite:///{db}")
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (v TEXT)"))
                await conn.execute(text("INSERT INTO t VALUES ('committed')"))
            conn = await engine.connect()
            await conn.execute(text("INSERT INTO t VALUES ('never committed')"))
            raw = await conn.get_raw_connection()
            print(raw.driver_connection.pid, flush=True)
            await asyncio.sleep(60)

        asyncio.run(main())
        """
    )
    bot = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert bot.stdout is not None
    pid = int(bot.stdout.readline())
    bot.kill()  # SIGKILL: no cleanup of any kind in the bot's process
    bot.wait()
    assert gone(pid), "the database process outlived the bot"
    import sqlite3

    with sqlite3.connect(db) as check:
        assert check.execute("SELECT v FROM t").fetchall() == [("committed",)]


async def test_a_cancelled_write_is_never_committed_by_the_next_transaction(engine) -> None:
    # The write is still running in the database process when its caller is cancelled.
    # Whether SQLAlchemy then closes the connection (it does today) or rolls it back, the
    # write must not ride along in the next transaction's commit.
    slow_insert = f"INSERT INTO item (id, name) {SLOW_COUNT} SELECT max(x), 'cancelled' FROM n"
    await cancel_while_running(engine, slow_insert, write=True)
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="next"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["next"]
