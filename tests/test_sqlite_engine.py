"""SQLite through aiosqlite (bot/storage/db.py): WAL and the pragmas on every connection, one
pooled connection, a lost connection replaced before anyone meets it, cancelled statements that
never ride along in a later commit, and nothing that needs a POSIX event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import make_engine

meta = MetaData()
item = Table("item", meta, Column("id", Integer, primary_key=True), Column("name", String))


async def _engine(path: Path) -> AsyncEngine:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    return engine


@pytest.fixture
async def engine(tmp_path: Path):
    engine = await _engine(tmp_path / "engine.db")
    yield engine
    await engine.dispose()


async def _pragmas(engine: AsyncEngine) -> dict[str, object]:
    async with engine.connect() as conn:
        return {
            name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }


async def _lose_connection(engine: AsyncEngine) -> object:
    """Closes the pooled aiosqlite connection beneath the pool (its thread ends), as if it had
    been lost; returns it."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.close()
        return driver


async def _driver(engine: AsyncEngine) -> object:
    async with engine.connect() as conn:
        return (await conn.get_raw_connection()).driver_connection


WANTED = {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 10000}


async def test_every_new_connection_has_wal_and_the_pragmas(engine) -> None:
    assert await _pragmas(engine) == WANTED  # synchronous 1 is NORMAL
    await _lose_connection(engine)
    assert await _pragmas(engine) == WANTED  # the replacement too


async def test_one_pooled_connection_so_writers_queue_in_asyncio(engine) -> None:
    order: list[str] = []

    async def second() -> None:
        async with engine.begin() as conn:
            order.append("second has the connection")
            await conn.execute(insert(item).values(id=2, name="second"))

    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="first"))
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.05)  # time enough for it to take a second connection, if any
        order.append("first commits")
    await waiting
    assert order == ["first commits", "second has the connection"]


async def test_rowcount_lastrowid_and_returning(engine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(item).values(id=1, name="a"))
        assert first.rowcount == 1 and first.inserted_primary_key == (1,)
        ignored = await conn.execute(
            sqlite_insert(item).values(id=1, name="b").on_conflict_do_nothing()
        )
        assert ignored.rowcount == 0  # the planner and the seen-writer count on it
        many = await conn.execute(insert(item), [{"id": i, "name": str(i)} for i in range(2, 300)])
        assert many.rowcount == 298
        changed = await conn.execute(
            update(item).where(item.c.id > 100).values(name="x").returning(item.c.id)
        )
        assert sorted(changed.scalars()) == list(range(101, 300))


async def test_rollback_undoes_writes_and_errors_arrive_as_sqlite_errors(engine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(insert(item).values(id=7, name="gone"))
            raise RuntimeError
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="a"))
    with pytest.raises(IntegrityError) as raised:
        async with engine.begin() as conn:
            await conn.execute(insert(item).values(id=1, name="again"))
    assert "UNIQUE" in str(raised.value.orig)
    async with engine.connect() as conn:  # the same connection goes on working
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["a"]


async def test_a_lost_connection_is_replaced_before_the_next_statement(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="kept"))
    lost = await _lose_connection(engine)
    # The pool tests the connection when it is taken and opens a new one: nobody meets the error.
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["kept"]
    assert await _driver(engine) is not lost


# Counting to three million takes SQLite a good fraction of a second.
SLOW_COUNT = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000)"


async def cancel_while_running(engine: AsyncEngine, sql: str, *, write: bool) -> None:
    """Start ``sql``, cancel its caller while SQLite still runs it on aiosqlite's thread."""

    async def run() -> None:
        async with engine.begin() if write else engine.connect() as conn:
            await conn.execute(text(sql))

    task = asyncio.create_task(run())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancelled_statement_leaves_the_connection_usable(engine) -> None:
    await cancel_while_running(engine, f"{SLOW_COUNT} SELECT count(*) FROM n", write=False)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT 42"))).scalar_one() == 42
        await conn.execute(insert(item).values(id=5, name="after"))
        await conn.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["after"]


async def test_a_cancelled_write_is_never_committed_by_the_next_transaction(engine) -> None:
    # The write still runs on aiosqlite's thread when its caller is cancelled. Whether
    # SQLAlchemy then closes the connection or rolls it back, the write must not ride along in
    # the next transaction's commit.
    slow_insert = f"INSERT INTO item (id, name) {SLOW_COUNT} SELECT max(x), 'cancelled' FROM n"
    await cancel_while_running(engine, slow_insert, write=True)
    async with engine.begin() as conn:
        await conn.execute(insert(item).values(id=1, name="next"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(item.c.name))).scalars().all() == ["next"]


class _LoopWithoutReaders(asyncio.SelectorEventLoop):
    """Windows' default event loop (Proactor) has no add_reader or add_writer, and trainers
    run the sandbox on Windows laptops: the storage must not need them."""

    def add_reader(self, *_args: object) -> None:
        raise NotImplementedError

    def add_writer(self, *_args: object) -> None:
        raise NotImplementedError


def test_the_storage_runs_on_an_event_loop_without_add_reader(tmp_path: Path) -> None:
    async def work() -> list[str]:
        engine = await _engine(tmp_path / "windows.db")
        try:
            async with engine.begin() as conn:
                await conn.execute(insert(item), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
            await _lose_connection(engine)
            async with engine.connect() as conn:
                return list((await conn.execute(select(item.c.name))).scalars())
        finally:
            await engine.dispose()

    with asyncio.Runner(loop_factory=_LoopWithoutReaders) as runner:
        assert runner.run(work()) == ["a", "b"]


def test_what_was_not_committed_dies_with_the_bot(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    script = textwrap.dedent(
        f"""
        import asyncio
        from sqlalchemy import text
        from bot.storage.db import make_engine

        async def main():
            engine = make_engine("sqlite+aiosqlite:///{db.as_posix()}")
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (v TEXT)"))
                await conn.execute(text("INSERT INTO t VALUES ('committed')"))
            conn = await engine.connect()
            await conn.execute(text("INSERT INTO t VALUES ('never committed')"))
            print("written", flush=True)
            await asyncio.sleep(60)

        asyncio.run(main())
        """
    )
    bot = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert bot.stdout is not None
    assert bot.stdout.readline().strip() == "written"
    bot.kill()  # no cleanup of any kind in the bot's process
    bot.wait()
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT v FROM t").fetchall() == [("committed",)]
