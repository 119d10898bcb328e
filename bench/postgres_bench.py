"""PostgreSQL at scale: one worker's fan-out against SQLite's, and a million members.

    python -m bench.postgres_bench --url postgresql+asyncpg://postgres@HOST:PORT/postgres
        [--members 5000] [--runs 3] [--big 1000000] [--keep] [--parts fanout,big]

``--url`` names a server and a database to connect to; the bench makes its own databases
there (``foyer_bench_*``) and drops them, but for the seeded million, which ``--keep`` keeps as
a template between runs (each run works on a copy of it: the planner writes).

fanout: ``bench.fanout foyer`` on a fresh copy of the same seeded data, SQLite and PostgreSQL
alternately (one emulator process for both), msg/s and their ratio; and PostgreSQL once more
with the outbox's statistics refreshed (ANALYZE) right after the week is planned, to show what
stale statistics cost the claim (docs/performance.md, ninth round).

big: 1,000,000 members in 20,000 groups of 50. The idle planner tick (week 1 not due yet; the
median of 10, on a warm pool); then the real bot process (bench/bot_process.py, the rate
limiter on, as Telegram would have it) plans week 1 for everybody, while one member a time
presses his check-in button every 100 ms: how long until the bot edits the message (p50, p99,
the slowest), and the bot's peak RSS. Prints a table and, with --json, the raw figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench import pg
from bench.common import (
    TOKEN,
    bench_settings,
    database_url,
    emulator,
    median,
    process_peak_rss_mb,
    run_child,
)
from bench.presses import Presser, bot_process, checkin_messages, percentile
from bench.seed import WEEK1_DUE, seed
from bot.delivery import planner
from bot.domain.curricula import Curricula
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime
from bot.storage import migrate
from bot.storage.db import asyncpg_dsn, make_engine

MEMBERS_PER_GROUP = 50
PRESSERS = 5_000  # members with week 1's check-in already sent, who press once each


async def kept_template(server: str, groups: int, keep: bool, sent_checkins: int = 0) -> str:
    """The name of a database seeded with groups x 50 members, seeded now unless --keep finds
    it complete (seeded under another name and renamed only when done)."""
    name = f"foyer_bench_{groups}x{MEMBERS_PER_GROUP}_{sent_checkins}"
    if keep and await pg.exists(server, name):
        # Kept from an earlier version: migrated to this one's schema (the bench's bot process
        # does not migrate, and a table it lacks would stop the sender).
        await asyncio.to_thread(migrate.upgrade, pg.url_of(server, name))
        return name
    url = await pg.create(server, f"{name}_seeding")
    await seed(url, groups, MEMBERS_PER_GROUP, sent_checkins=sent_checkins)
    await pg.drop(server, name)
    await pg.admin(server, f'ALTER DATABASE "{name}_seeding" RENAME TO "{name}"')
    return name


# --- fan-out: PostgreSQL against SQLite --------------------------------------------------


def fanout(server: str, members: int, runs: int, work: Path) -> dict[str, Any]:
    groups = max(1, members // MEMBERS_PER_GROUP)
    members = groups * MEMBERS_PER_GROUP
    sqlite_template = work / "fanout.db"
    asyncio.run(seed(database_url(sqlite_template), groups, MEMBERS_PER_GROUP))
    pg_template = asyncio.run(kept_template(server, groups, keep=False))
    # "analyzed": PostgreSQL again, its outbox statistics refreshed once the week is planned.
    results: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgresql": [], "analyzed": []}
    try:
        with emulator() as emu:
            for _ in range(runs):
                for backend in results:
                    if backend == "sqlite":
                        db = work / "out.db"
                        for suffix in ("", "-wal", "-shm"):
                            Path(f"{db}{suffix}").unlink(missing_ok=True)
                        db.write_bytes(sqlite_template.read_bytes())
                        target = str(db)
                    else:
                        target = asyncio.run(pg.create(server, "foyer_bench_fanout", pg_template))
                    args = ["foyer", "--api", emu.api_url, "--db", target]
                    args += ["--analyze-after-plan"] if backend == "analyzed" else []
                    results[backend].append(
                        run_child("bench.fanout", [*args, "--members", str(members)])
                    )
    finally:
        asyncio.run(pg.drop(server, "foyer_bench_fanout"))
        asyncio.run(pg.drop(server, pg_template))
    lite = median([r["per_second"] for r in results["sqlite"]])
    post = median([r["per_second"] for r in results["postgresql"]])
    analyzed = median([r["per_second"] for r in results["analyzed"]])
    return {
        "members": members,
        "sqlite": lite,
        "postgresql": post,
        "analyzed": analyzed,
        "runs": results,
    }


# --- a million members -------------------------------------------------------------------


async def idle_ticks(url: str, ticks: int) -> list[float]:
    """Planner ticks just before week 1 is due, in milliseconds (the pool opened first)."""
    rt = Runtime(
        settings=bench_settings("http://127.0.0.1:9", url),
        engine=make_engine(url),
        clock=OffsetClock(WEEK1_DUE - timedelta(minutes=1)),
        curricula=Curricula(None),
    )
    times = []
    try:
        async with rt.engine.connect():
            pass
        for _ in range(ticks):
            started = time.perf_counter()
            written = await planner.tick(rt)
            times.append((time.perf_counter() - started) * 1000)
            assert written == 0, "an idle tick wrote rows"
    finally:
        await rt.engine.dispose()
    return times


async def planned(url: str) -> tuple[float, int]:
    """Until no group has week 1 left to plan (read every half second): when it got there,
    and the week-1 prompts in the outbox."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    moment = (WEEK1_DUE + timedelta(minutes=1)).replace(tzinfo=None)
    left = 'SELECT count(*) FROM "group" WHERE next_event_at <= $1'
    try:
        while await conn.fetchval(left, moment):  # noqa: ASYNC110 (another process's rows)
            await asyncio.sleep(0.5)
        done = time.monotonic()
        prompts = await conn.fetchval("SELECT count(*) FROM outbox WHERE kind = 'prompt'")
    finally:
        await conn.close()
    return done, int(prompts)


async def plan_while_pressing(url: str, members: int) -> dict[str, Any]:
    """The bot plans week 1 for everybody (its own first planner tick, as `foyer run` does)
    while a member presses every 100 ms."""
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        api = emu.base_url.removesuffix("/bot")
        messages = await checkin_messages(emu, PRESSERS)
        started = time.monotonic()
        presser = Presser(emu, messages)
        mark = presser.calls()
        bot = await bot_process(api, url, "--rate-limit", "--no-tick", concurrency=32)
        try:
            await presser.until_polling(since=mark)
            planning = asyncio.ensure_future(planned(url))
            await presser.press_until(planning)
            done, prompts = await planning
            rss = process_peak_rss_mb(bot.pid)
        finally:
            bot.terminate()
            await bot.wait()
    latencies = presser.latencies
    return {
        "members": members,
        "planned": prompts,
        "plan_seconds": done - started,
        "presses": len(latencies),
        "unanswered": presser.unanswered,
        "p50_s": statistics.median(latencies),
        "p99_s": percentile(latencies, 99),
        "max_s": max(latencies),
        "peak_rss_mb": rss,
    }


def big(server: str, members: int, keep: bool) -> dict[str, Any]:
    groups = members // MEMBERS_PER_GROUP
    started = time.perf_counter()
    template = asyncio.run(kept_template(server, groups, keep, sent_checkins=PRESSERS))
    seeded_s = time.perf_counter() - started
    url = asyncio.run(pg.create(server, "foyer_bench_big", template))
    try:
        ticks = asyncio.run(idle_ticks(url, 10))
        planning = asyncio.run(plan_while_pressing(url, groups * MEMBERS_PER_GROUP))
    finally:
        asyncio.run(pg.drop(server, "foyer_bench_big"))
        if not keep:
            asyncio.run(pg.drop(server, template))
    return {"seed_or_reuse_s": seeded_s, "idle_tick_ms": ticks, **planning}


def ok(passed: bool) -> str:
    return "met" if passed else "MISSED"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--url", required=True, help="postgresql+asyncpg://user@host:port/db")
    p.add_argument("--members", type=int, default=5_000, help="fan-out size")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--big", type=int, default=1_000_000, help="members planned at once")
    p.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded million")
    p.add_argument("--parts", default="fanout,big")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    rows: list[tuple[str, str, str, str]] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="foyer-pg-bench-") as tmp:
        if "fanout" in parts:
            f = raw["fanout"] = fanout(args.url, args.members, args.runs, Path(tmp))
            ratio = f["postgresql"] / f["sqlite"]
            rows += [
                (
                    f"fan-out msg/s, {f['members']} members, one worker: PostgreSQL",
                    f"{f['postgresql']:.0f}",
                    ">= 300",
                    ok(f["postgresql"] >= 300),
                ),
                (
                    "   PostgreSQL / SQLite, same run",
                    f"{f['postgresql']:.0f} / {f['sqlite']:.0f} = {ratio:.2f}",
                    ">= 0.80",
                    ok(ratio >= 0.8),
                ),
                (
                    "   context: the outbox ANALYZEd once planned / SQLite",
                    f"{f['analyzed']:.0f} / {f['sqlite']:.0f} = {f['analyzed'] / f['sqlite']:.2f}",
                    "-",
                    "",
                ),
            ]
    if "big" in parts:
        b = raw["big"] = big(args.url, args.big, args.keep)
        tick = median(b["idle_tick_ms"])
        rows += [
            (
                f"idle planner tick, {b['members']} members",
                f"{tick:.1f} ms",
                "<= 50 ms",
                ok(tick <= 50),
            ),
            (
                f"planning week 1 (from the bot's start): {b['planned']} prompts",
                f"{b['plan_seconds']:.0f} s",
                "-",
                "",
            ),
            (
                f"   button replies meanwhile ({b['presses']}, {b['unanswered']} unanswered)",
                f"p50 {b['p50_s']:.3f} s, p99 {b['p99_s']:.3f} s, max {b['max_s']:.3f} s",
                "none > 1 s",
                ok(b["max_s"] <= 1 and b["unanswered"] == 0),
            ),
            (
                "   peak RSS of the bot",
                f"{b['peak_rss_mb']:.0f} MB",
                "<= 200 MB",
                ok(b["peak_rss_mb"] <= 200),
            ),
        ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
