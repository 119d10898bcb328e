"""Planner: one tick's time against the number of members and the number of due items.

    python -m bench.planner_bench [--runs 5] [--workdir DIR]

Seeds 50 members per group. "Idle" ticks run just before week 1 is due (nothing to plan);
"due" ticks run at the delivery time with only K groups due, the others a week later, so the
member count stays fixed while the number of due items (outbox rows written) changes. Each
figure is the median of --runs fresh copies. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import bench_settings, emit, median
from bench.seed import WEEK1_DUE, seed
from bot.delivery import planner
from bot.domain.curricula import Curricula
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime
from bot.storage.db import make_engine

MEMBERS_PER_GROUP = 50


async def one_tick(db: Path, at_due: bool) -> tuple[float, int]:
    settings = bench_settings("http://127.0.0.1:9", db)
    moment = WEEK1_DUE + timedelta(minutes=1) if at_due else WEEK1_DUE - timedelta(minutes=1)
    rt = Runtime(
        settings=settings,
        engine=make_engine(settings.database_url),
        clock=OffsetClock(moment),
        curricula=Curricula(None),
    )
    try:
        async with rt.engine.connect():  # open the pool outside the timing
            pass
        started = time.perf_counter()
        written = await planner.tick(rt)
        return time.perf_counter() - started, written
    finally:
        await rt.engine.dispose()


def measure(
    workdir: Path, members: int, due_groups: int, at_due: bool, runs: int
) -> dict[str, float]:
    template = workdir / f"planner-{members}-{due_groups}.db"
    if not template.exists():
        groups = members // MEMBERS_PER_GROUP
        asyncio.run(
            seed(
                f"sqlite+aiosqlite:///{template}",
                groups,
                MEMBERS_PER_GROUP,
                due_groups=due_groups,
            )
        )
    times, written = [], 0
    for run in range(runs):
        db = workdir / f"run-{run}.db"
        shutil.copy(template, db)
        seconds, written = asyncio.run(one_tick(db, at_due))
        times.append(seconds)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return {"members": members, "due_items": written, "ms": median(times) * 1000}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--workdir", type=Path)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        idle = [
            measure(workdir, n, 0, False, args.runs)
            for n in sorted({args.members // 10, args.members // 2, args.members})
        ]
        groups = args.members // MEMBERS_PER_GROUP
        due = [
            measure(workdir, args.members, k, True, args.runs)
            for k in sorted({0, max(1, groups // 200), groups // 20, groups // 2})
        ]
    emit({"idle": idle, "due": due})


if __name__ == "__main__":
    main()
