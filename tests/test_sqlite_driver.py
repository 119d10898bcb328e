"""The SQLite driver's short cuts (bot/storage/sqlite_driver.py) keep DB-API behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.db import make_engine

meta = MetaData()
item = Table("item", meta, Column("id", Integer, primary_key=True), Column("name", String))


@pytest.fixture
async def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


async def test_rowcount_lastrowid_and_returning(engine) -> None:  # type: ignore[no-untyped-def]
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


async def test_many_rows_one_at_a_time_and_in_chunks(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.execute(insert(item), [{"id": i, "name": str(i)} for i in range(1, 1001)])
    async with engine.connect() as conn:
        result = await conn.execute(select(item.c.id).order_by(item.c.id))
        assert result.fetchone() == (1,)
        assert [r.id for r in result.fetchmany(5)] == [2, 3, 4, 5, 6]
        assert len(result.all()) == 994
        streamed = await conn.stream(select(item.c.id).order_by(item.c.id))
        assert [r.id async for r in streamed] == list(range(1, 1001))


async def test_rollback_still_undoes_writes(engine) -> None:  # type: ignore[no-untyped-def]
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
