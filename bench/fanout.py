"""Fan-out: one week's delivery to every seeded member, end to end, in this process.

    python -m bench.fanout foyer --api URL --db FILE --members N   # planner, outbox, sender
    python -m bench.fanout bare --api URL --members N              # Bot.send_message loop

Prints one JSON line: messages, seconds, per_second and peak_rss_mb (this process, SQLite's
connection included: aiosqlite runs it on a thread here). The database must be seeded
(bench.seed) and the emulator started with --auto-chats. ``foyer`` starts the real Application
(polling included) with its clock at the week-1 delivery time and stops when no message is
pending; ``bare`` sends the same number of messages with the same concurrency and no database.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    TOKEN,
    TRANSPORTS,
    bench_settings,
    cpu_seconds,
    emit,
    peak_rss_mb,
    transport,
)
from bench.seed import FIRST_USER_ID, LANGUAGES, WEEK1_DUE
from bot.app import build_application, running
from bot.delivery import planner
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.settings import Settings
from bot.storage.tables import outbox


def week1_texts(settings: Settings) -> dict[str, str]:
    """Week 1's prompt of men-groups-12 in each seeded language, rendered by Foyer's own
    renderer with Foyer's settings (content, language fallbacks), so the bare loop sends
    exactly what Foyer sends: the same HTML, the same bytes."""
    from types import SimpleNamespace

    from bot import i18n
    from bot.content.offline import item_for
    from bot.delivery.render import render
    from bot.domain.curricula import Curricula

    i18n.configure(settings.language_fallbacks)
    rt = SimpleNamespace(curricula=Curricula(settings.content_dir), settings=settings)
    return {
        lang: asyncio.run(render(item_for("prompt", "men-groups-12", 1, lang), rt)).text  # type: ignore[arg-type]
        for lang in LANGUAGES
    }


async def pending_and_sent(app: object) -> tuple[int, int]:
    rt = runtime_of(app)  # type: ignore[arg-type]
    async with rt.engine.connect() as conn:
        query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        rows = {status: n for status, n in (await conn.execute(query)).all()}
    return rows.get("pending", 0) + rows.get("sending", 0), rows.get("sent", 0)


async def foyer(args: argparse.Namespace) -> dict[str, object]:
    settings = bench_settings(
        args.api,
        args.db,
        http_concurrency=args.concurrency,
        **({"send_concurrency": args.workers} if args.workers else {}),
        rate_limit=args.rate_limit,
        **({"content_dir": args.content_dir} if args.content_dir else {}),
    )
    clock = OffsetClock(WEEK1_DUE + timedelta(minutes=1))
    app = build_application(settings, clock=clock)
    timings = statement_timings(runtime_of(app).engine) if args.profile_sql else None
    started = time.perf_counter()
    async with running(app, poll_timeout=1):
        # Tick here rather than wait for the job queue, so the clock starts at a known moment.
        await planner.tick(runtime_of(app))
        if args.analyze_after_plan:
            await analyze_outbox(app)
        while True:
            await asyncio.sleep(args.poll)
            pending, sent = await pending_and_sent(app)
            if pending == 0 and sent >= args.members:
                break
        elapsed = time.perf_counter() - started
    if timings is not None:
        print_timings(timings, elapsed)
    return {"messages": sent, "seconds": elapsed}


async def analyze_outbox(app: object) -> None:
    """PostgreSQL's statistics of the outbox brought up to date after the planner wrote the
    week (what autovacuum does within a minute or so): the claim's plan depends on them."""
    rt = runtime_of(app)  # type: ignore[arg-type]
    if rt.engine.dialect.name == "postgresql":
        async with rt.engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE outbox")


def statement_timings(engine: AsyncEngine) -> dict[str, list[float]]:
    """Wall time of every statement, by its first words (SQLAlchemy's cursor events: the
    round trip to the database included)."""
    timings: dict[str, list[float]] = {}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        key = " ".join(statement.split())[:90]
        timings.setdefault(key, []).append(time.perf_counter() - conn.info["started"])

    return timings


def print_timings(timings: dict[str, list[float]], elapsed: float) -> None:
    rows = sorted(timings.items(), key=lambda kv: -sum(kv[1]))
    print(f"statements, by total wall time (of {elapsed:.1f} s):", file=sys.stderr)
    for key, times in rows[:10]:
        print(
            f"  {sum(times):6.2f} s  {len(times):6d} x  "
            f"{sum(times) / len(times) * 1000:6.2f} ms  {key}",
            file=sys.stderr,
        )


async def bare(args: argparse.Namespace) -> dict[str, object]:
    from telegram import Bot
    from telegram.constants import ParseMode

    request = transport(args.transport, args.concurrency)
    bot = Bot(TOKEN, base_url=f"{args.api}/bot", request=request)
    chats = iter(range(FIRST_USER_ID, FIRST_USER_ID + args.members))
    texts = [args.texts[lang] for lang in LANGUAGES]
    sent = 0

    async def worker() -> None:
        nonlocal sent
        for chat_id in chats:
            text = texts[(chat_id - FIRST_USER_ID) % len(texts)]
            await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            sent += 1

    async with bot:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
    return {"messages": sent, "seconds": elapsed}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=("foyer", "bare"))
    p.add_argument("--api", required=True, help="emulator URL without /bot")
    p.add_argument("--db", help="seeded SQLite file (foyer mode)")
    p.add_argument("--members", type=int, required=True)
    p.add_argument(
        "--concurrency", type=int, default=4, help="calls in flight (Foyer: FOYER_HTTP_CONCURRENCY)"
    )
    p.add_argument(
        "--transport",
        choices=TRANSPORTS,
        default="httpx",
        help="bare mode's HTTP client: PTB's default (httpx) or Foyer's (aiohttp)",
    )
    p.add_argument("--workers", type=int, help="Foyer's FOYER_SEND_CONCURRENCY (its default)")
    p.add_argument("--rate-limit", action="store_true", help="Foyer's rate limiter on")
    p.add_argument("--content-dir", help="curricula folder (bench.voice_fanout: with audio)")
    p.add_argument("--poll", type=float, default=0.1, help="seconds between outbox checks")
    p.add_argument(
        "--profile-sql", action="store_true", help="each statement's wall time, on stderr"
    )
    p.add_argument(
        "--analyze-after-plan",
        action="store_true",
        help="PostgreSQL: ANALYZE the outbox once the week is planned (see docs/performance.md)",
    )
    args = p.parse_args()
    if args.mode == "bare":
        # Before the clock starts; the database is never opened.
        args.texts = week1_texts(bench_settings(args.api, args.db or "unused.db"))
    result = asyncio.run(foyer(args) if args.mode == "foyer" else bare(args))
    result["per_second"] = result["messages"] / result["seconds"]  # type: ignore[operator]
    result["peak_rss_mb"] = peak_rss_mb()
    result["cpu_seconds"] = cpu_seconds()
    emit(result)


if __name__ == "__main__":
    main()
