"""A Foyer bot process to kill: `python -m bench.bot_process --api URL --db FILE`.

Builds the real Application with its clock at week 1's delivery time, plans once and runs
(polling, planner job, sender) until SIGTERM (a clean stop) or SIGKILL (a crash). ``--lock``
holds the database as ``foyer run`` does (one serving process per SQLite file; on PostgreSQL,
it polls only while it holds the poller's lock, so several can share one database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from datetime import datetime, timedelta

from bench.common import bench_settings
from bench.seed import WEEK1_DUE
from bot.app import build_application, elect_poller, running
from bot.delivery import planner
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.settings import Settings
from bot.storage import db_lock


async def serve(args: argparse.Namespace) -> None:
    settings = bench_settings(
        args.api,
        args.db,
        send_concurrency=args.concurrency,
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
        await planner.tick(runtime_of(app))
        await stop.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--api", required=True, help="emulator URL without /bot")
    p.add_argument("--db", required=True)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--at", default=(WEEK1_DUE + timedelta(minutes=1)).isoformat())
    p.add_argument("--lock", action="store_true", help="hold the database as foyer run does")
    # On PostgreSQL a killed process's claims wait for its lease to end (bot/storage/workers.py):
    # short here, as this process is killed on purpose and restarted at once.
    p.add_argument("--lease", type=float, default=2.0, help="FOYER_WORKER_LEASE_SECONDS")
    asyncio.run(serve(p.parse_args()))


if __name__ == "__main__":
    main()
