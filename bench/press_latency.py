"""A member's button press during the weekly blast: replies must not queue behind it.

    python -m bench.press_latency [--members 5000] [--url postgresql+asyncpg://...]

For SQLite, and for PostgreSQL when ``--url`` names a server: the real bot process
(bench/bot_process.py) with the rate limiter on (30 messages a second, as Telegram allows),
first idle (its clock a minute before week 1 is due: nothing to send) while members press
their check-in button every 100 ms, then at the delivery time, fanning week 1 out to every
member while the presses go on until the last message is sent (N / 30 seconds). Goal: the
press's p95 during the fan-out at most 2x its idle p95, or at most 0.3 s. Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import pg
from bench.campaigns.crash import Recipients
from bench.common import TOKEN, database_url
from bench.presses import Presser, bot_process, checkin_messages, percentile
from bench.seed import WEEK1_DUE, seed
from bot.emulator import BotAPIEmulator

IDLE_PRESSES = 200
PRESS_P95_RATIO, PRESS_P95_FLOOR = 2.0, 0.3


async def one_backend(url: str, members: int, limiter: bool = True) -> dict[str, Any]:
    groups = max(1, members // 50)
    members = groups * 50
    # Each press is a new member's, during both phases (N / 30 s of fan-out, ten a second).
    pressers = IDLE_PRESSES + int(members / 30 * 10) + 200
    await asyncio.to_thread(asyncio.run, seed(url, groups, 50, sent_checkins=pressers))
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        api = emu.base_url.removesuffix("/bot")
        presser = Presser(emu, await checkin_messages(emu, min(pressers, members)))
        idle_at = (WEEK1_DUE - timedelta(minutes=1)).isoformat()
        flags = ["--rate-limit"] if limiter else []
        mark = presser.calls()
        bot = await bot_process(api, url, *flags, at=idle_at)
        try:
            await presser.until_polling(since=mark)
            await presser.press_until(asyncio.get_running_loop().create_future(), IDLE_PRESSES)
        finally:
            bot.terminate()
            await bot.wait()
        idle = list(presser.latencies)
        idle_unanswered = presser.unanswered
        presser.latencies.clear()

        recipients = Recipients(emu)  # the check-in messages above were this bench's own
        mark = presser.calls()
        bot = await bot_process(api, url, *flags)
        started = time.monotonic()
        try:
            await presser.until_polling(since=mark)

            everyone = lambda: recipients.update() >= members  # noqa: E731
            done = asyncio.ensure_future(emu.wait_until(everyone, members, "the fan-out"))
            await presser.press_until(done)
            await done
            fanout_s = time.monotonic() - started
        finally:
            bot.terminate()
            await bot.wait()
    during = presser.latencies
    return {
        "members": members,
        "idle_p95_s": percentile(idle, 95),
        "idle_presses": len(idle),
        "fanout_p95_s": percentile(during, 95),
        "fanout_p50_s": percentile(during, 50),
        "fanout_max_s": max(during),
        "fanout_presses": len(during),
        "unanswered": idle_unanswered + presser.unanswered,
        "fanout_s": fanout_s,
    }


def goal_met(r: dict[str, Any]) -> bool:
    allowed = max(PRESS_P95_RATIO * r["idle_p95_s"], PRESS_P95_FLOOR)
    return bool(r["fanout_p95_s"] <= allowed and r["unanswered"] == 0)


async def measure(members: int, server: str | None, work: Path, limiter: bool) -> dict[str, Any]:
    out = {"sqlite": await one_backend(database_url(work / "press.db"), members, limiter)}
    if server:
        url = await pg.create(server, "foyer_bench_press")
        try:
            out["postgresql"] = await one_backend(url, members, limiter)
        finally:
            await pg.drop(server, "foyer_bench_press")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=5_000)
    p.add_argument("--url", help="a PostgreSQL server to measure too (postgresql+asyncpg://...)")
    p.add_argument(
        "--limiter",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the rate limiter (--no-limiter: to see what it alone costs a press)",
    )
    p.add_argument("--json", type=Path, help="also write the raw results here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="foyer-press-") as tmp:
        results = asyncio.run(measure(args.members, args.url, Path(tmp), args.limiter))
    for backend, r in results.items():
        print(
            f"press during a {r['members']}-member fan-out, limiter "
            f"{'on' if args.limiter else 'off'}, {backend}: "
            f"p95 {r['fanout_p95_s']:.3f} s ({r['fanout_presses']} presses, p50 "
            f"{r['fanout_p50_s']:.3f}, max {r['fanout_max_s']:.3f}) vs idle p95 "
            f"{r['idle_p95_s']:.3f} s = {r['fanout_p95_s'] / r['idle_p95_s']:.1f}x; "
            f"{r['unanswered']} unanswered; fan-out {r['fanout_s']:.0f} s: "
            f"{'met' if goal_met(r) else 'MISSED'}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
