"""The health check (`foyer status`, /healthz) on a big database: its time and query plans.

    python -m bench.health_bench [--members 1000000] [--db URL_OF_AN_EMPTY_DATABASE]

Seeds N people in groups of 50 with week 1's check-in sent to each (N sent rows) and week 1's
prompt pending for each (N more rows, all due: the worst backlog), 1% of them blocked; then
times health.check (median of --runs), and prints the plan and time of each statement it runs.
One JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import bench_settings, database_url, emit, median
from bench.seed import FIRST_USER_ID, WEEK1_DUE, seed, write_rows
from bot.services import health
from bot.storage.db import make_engine
from bot.storage.outbox import PENDING
from bot.storage.tables import outbox, person

MEMBERS_PER_GROUP = 50


async def _fill(url: str, members: int) -> None:
    await seed(url, members // MEMBERS_PER_GROUP, MEMBERS_PER_GROUP, sent_checkins=members)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            pending = (
                dict(
                    key=f"g{i // MEMBERS_PER_GROUP + 1}:w1:prompt:m{i + 1}",
                    chat_id=FIRST_USER_ID + i,
                    person_id=i + 1,
                    membership_id=i + 1,
                    group_id=i // MEMBERS_PER_GROUP + 1,
                    kind="prompt",
                    week=1,
                    due_at=WEEK1_DUE,
                    status=PENDING,
                    attempts=0,
                )
                for i in range(members)
            )
            await write_rows(conn, outbox, pending)
            await conn.execute(update(person).where(person.c.id % 100 == 0).values(blocked=True))
    finally:
        await engine.dispose()


def _record(engine: AsyncEngine) -> list[tuple[str, Any]]:
    """Every statement the engine runs, with its parameters, as the driver gets them."""
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def note(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    return seen


async def measure(url: str, runs: int) -> dict[str, Any]:
    settings = bench_settings("http://127.0.0.1:9", url)
    now = WEEK1_DUE + timedelta(minutes=10)
    engine = make_engine(url)
    try:
        found = await health.check(engine, settings, now)  # warm: the pool, the cache
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            found = await health.check(engine, settings, now)
            times.append(time.perf_counter() - started)
        seen = _record(engine)
        await health.check(engine, settings, now)
        postgres = engine.dialect.name == "postgresql"
        plans = []
        async with engine.connect() as conn:
            for statement, params in list(seen):
                explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                rows = await conn.exec_driver_sql(explain + statement, params)
                started = time.perf_counter()
                await conn.exec_driver_sql(statement, params)
                took = time.perf_counter() - started
                plans.append(
                    {
                        "sql": " ".join(statement.split())[:160],
                        "plan": [str(r[-1]) for r in rows],
                        "seconds": round(took, 4),
                    }
                )
    finally:
        await engine.dispose()
    return {
        "check_median_s": round(median(times), 4),
        "check_max_s": round(max(times), 4),
        "facts": found.as_json(),
        "statements": plans,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--db", help="an empty database's URL (default: a SQLite file in a temp dir)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or database_url(Path(tmp) / "health.db")
        started = time.perf_counter()
        asyncio.run(_fill(url, args.members))
        seeded = time.perf_counter() - started
        result = asyncio.run(measure(url, args.runs))
    emit({"bench": "health", "members": args.members, "seed_s": round(seeded, 1), **result})


if __name__ == "__main__":
    main()
