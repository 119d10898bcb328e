"""A Foyer bot process to kill: `python -m bench.bot_process --api URL --db FILE`.

Builds the real Application with its clock at week 1's delivery time, plans once and runs
(polling, planner job, sender) until SIGTERM (a clean stop) or SIGKILL (a crash). ``--lock``
holds the database as ``foyer run`` does (one serving process per SQLite file; on PostgreSQL,
it polls only while it holds the poller's lock, so several can share one database). ``--db``
takes a SQLite file or a database URL. ``--log`` logs as ``foyer run`` does (INFO, on stderr);
``--rate-limit`` turns on Telegram's 30 messages a second. Its own tick runs beside the
application's first planner job (2 s after start); ``--no-tick`` leaves planning to that job.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from datetime import datetime, timedelta

from bench.common import TOKEN, bench_settings
from bench.seed import WEEK1_DUE
from bot.app import build_application, elect_poller, running
from bot.delivery import planner
from bot.infra.clock import OffsetClock
from bot.infra.log_setup import configure_logging
from bot.runtime import runtime_of
from bot.settings import Settings
from bot.storage import db_lock


async def serve(args: argparse.Namespace) -> None:
    if args.log:
        configure_logging(logging.INFO, token=TOKEN)
    settings = bench_settings(
        args.api,
        args.db,
        send_concurrency=args.concurrency,
        rate_limit=args.rate_limit,
        worker_lease_seconds=args.lease,
    )
    with db_lock.serving(settings.database_url) if args.lock else contextlib.nullcontext():
        await _serve(settings, args)


async def _serve(settings: Settings, args: argparse.Namespace) -> None:
    app = build_application(settings, clock=OffsetClock(datetime.fromisoformat(args.at)))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if args.lock:
        elect_poller(app)
    async with running(app, poll_timeout=1):
        if args.no_tick:  # the application's own first tick plans, as in foyer run
            await stop.wait()
            return
        await planner.tick(runtime_of(app))
        await stop.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--api", required=True, help="emulator URL without /bot")
    p.add_argument("--db", required=True)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--at", default=(WEEK1_DUE + timedelta(minutes=1)).isoformat())
    p.add_argument("--lock", action="store_true", help="hold the database as foyer run does")
    p.add_argument("--rate-limit", action="store_true", help="Foyer's rate limiter on")
    p.add_argument("--log", action="store_true", help="log as foyer run does (INFO, stderr)")
    p.add_argument("--no-tick", action="store_true", help="only the app's own planner job plans")
    # On PostgreSQL a killed process's claims wait for its lease to end (bot/storage/workers.py):
    # short here, as this process is killed on purpose and restarted at once.
    p.add_argument("--lease", type=float, default=2.0, help="FOYER_WORKER_LEASE_SECONDS")
    asyncio.run(serve(p.parse_args()))


if __name__ == "__main__":
    main()
