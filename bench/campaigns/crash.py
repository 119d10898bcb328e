"""Crash: SIGKILL the bot at random moments of a fan-out, restart it, count what arrived.

    python -m bench.campaigns.crash [--members 5000] [--kills 20] [--seed 1] [--concurrency 1]
        [--url postgresql+asyncpg://user@host:port/db [--workers 2]]

The emulator runs in this process and outlives the bot, as Telegram would. The bot runs with
FOYER_SEND_CONCURRENCY=1 by default, so at most one message is sent and unrecorded when it
dies: at the end every member must have week 1's prompt, and the extra copies must number at
most one per kill (``--concurrency N``: at most N per kill).

``--url`` runs it on a PostgreSQL server (in a database of its own, made and dropped there).
``--workers 2`` runs two bot processes on that one database, each holding it as ``foyer run``
does (``--lock``), and the kills alternate between them (the killed one restarted at once):
issue 19's several workers, which must still send each message once, in order, and lose none.
A worker that exits by itself (a refusal) fails the campaign.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench import pg
from bench.common import PY, ROOT, TOKEN, database_url
from bench.seed import WEEK1_DUE, seed, user_ids
from bot.emulator import BotAPIEmulator


@dataclass
class CrashResult:
    members: int
    kills: int
    concurrency: int
    missing: int
    extra: int
    seconds: float
    workers: int = 1
    refused: int = 0  # workers that exited by themselves (exit code != 0) before their kill

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.extra <= self.allowed and self.refused == 0

    @property
    def allowed(self) -> int:
        return self.kills * self.concurrency


class SendCounter:
    """sendMessage calls the emulator has received so far, counted incrementally."""

    def __init__(self, emu: BotAPIEmulator) -> None:
        self.emu = emu
        self.seen = 0
        self.count = 0

    def update(self) -> int:
        calls = self.emu.state.calls
        for record in calls[self.seen :]:
            if record.method == "sendMessage":
                self.count += 1
        self.seen = len(calls)
        return self.count


class Recipients:
    """The chats sendMessage calls went to since this was made, counted incrementally: a
    condition the emulator re-checks after every event must not scan every chat, or it slows
    the emulator that a bench is timing."""

    def __init__(self, emu: BotAPIEmulator) -> None:
        self.emu = emu
        self.seen = len(emu.state.calls)
        self.chats: set[int] = set()

    def update(self) -> int:
        calls = self.emu.state.calls
        for record in calls[self.seen :]:
            if record.method == "sendMessage":
                self.chats.add(int(record.params["chat_id"]))
        self.seen = len(calls)
        return len(self.chats)


def received(emu: BotAPIEmulator, uid: int) -> int:
    chat = emu.state.chats.get(uid)
    return 0 if chat is None else sum(1 for m in chat.messages.values() if m.from_bot)


async def start_bot(
    api: str, db: str, concurrency: int, lock: bool = False, at: datetime | None = None
) -> asyncio.subprocess.Process:
    """A bot process; ``at``: its clock's start (the workers of one campaign share one clock:
    on PostgreSQL a worker whose clock is behind another's would look dead to it)."""
    when = ["--at", at.isoformat()] if at is not None else []
    return await asyncio.create_subprocess_exec(
        PY, "-m", "bench.bot_process", "--api", api, "--db", str(db),
        "--concurrency", str(concurrency), *(["--lock"] if lock else []), *when,
        cwd=ROOT,
    )  # fmt: skip


async def campaign(
    members: int,
    kills: int,
    rng_seed: int,
    workdir: Path,
    concurrency: int = 1,
    url: str = "",
    workers: int = 1,
) -> CrashResult:
    groups = max(1, members // 50)
    members = groups * 50
    db = url or database_url(workdir / "crash.db")
    await asyncio.to_thread(asyncio.run, seed(db, groups, 50))
    rng = random.Random(rng_seed)
    # Kill after a random number of sends, spread over the fan-out (never two at one count).
    targets = sorted(rng.sample(range(1, members), kills))
    uids = list(user_ids(groups, 50))
    started = time.monotonic()
    refused = 0
    lock = workers > 1  # several workers hold the database as foyer run does

    def now() -> datetime:
        """The campaign's one clock: week 1's delivery when it started, moving on since."""
        return WEEK1_DUE + timedelta(minutes=1, seconds=time.monotonic() - started)

    def reap(bot: asyncio.subprocess.Process) -> None:
        nonlocal refused
        if bot.returncode is not None and bot.returncode != 0:
            refused += 1

    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        api = emu.base_url.removesuffix("/bot")
        counter = SendCounter(emu)
        bots = [await start_bot(api, db, concurrency, lock, now()) for _ in range(workers)]
        for n, target in enumerate(targets):
            bot = bots[n % workers]  # the kills alternate between the workers
            while counter.update() < target and bot.returncode is None:  # noqa: ASYNC110
                await asyncio.sleep(0.002)
            await asyncio.sleep(rng.uniform(0, 0.003))  # anywhere within a send
            reap(bot)
            if bot.returncode is None:
                bot.kill()  # SIGKILL: no clean-up of any kind
            await bot.wait()
            bots[n % workers] = await start_bot(api, db, concurrency, lock, now())
        deadline = time.monotonic() + max(120, members / 20)
        while any(received(emu, uid) == 0 for uid in uids):
            if time.monotonic() > deadline or all(b.returncode is not None for b in bots):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # anything still in flight lands
        for bot in bots:
            reap(bot)
            if bot.returncode is None:
                bot.terminate()
            await bot.wait()
        counts = [received(emu, uid) for uid in uids]
    return CrashResult(
        members=members,
        kills=kills,
        concurrency=concurrency,
        missing=sum(1 for n in counts if n == 0),
        extra=sum(n - 1 for n in counts if n > 1),
        seconds=time.monotonic() - started,
        workers=workers,
        refused=refused,
    )


def run(
    members: int,
    kills: int,
    rng_seed: int = 1,
    concurrency: int = 1,
    database_url: str = "",
    workers: int = 1,
) -> CrashResult:
    """On a SQLite file of its own, or on the empty database at database_url."""
    with tempfile.TemporaryDirectory(prefix="foyer-crash-") as tmp:
        return asyncio.run(
            campaign(members, kills, rng_seed, Path(tmp), concurrency, database_url, workers)
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=5000)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=1, help="FOYER_SEND_CONCURRENCY of the bot")
    p.add_argument("--url", help="a PostgreSQL server (postgresql+asyncpg://...) to run on")
    p.add_argument("--workers", type=int, default=1, help="bot processes on one database")
    args = p.parse_args()
    if args.workers > 1 and not args.url:
        p.error("several workers share a PostgreSQL database: give --url")
    if args.url:
        url = asyncio.run(pg.create(args.url, "foyer_bench_crash"))
        try:
            result = run(args.members, args.kills, args.seed, args.concurrency, url, args.workers)
        finally:
            asyncio.run(pg.drop(args.url, "foyer_bench_crash"))
    else:
        result = run(args.members, args.kills, args.seed, args.concurrency)
    print(
        f"crash: {result.members} members, {result.workers} worker(s), {result.kills} kills, "
        f"concurrency {result.concurrency}, {result.missing} missing, {result.extra} extra "
        f"copies (allowed {result.allowed}), {result.refused} refused, "
        f"{result.seconds:.0f} s: {'PASS' if result.ok else 'FAIL'}"
    )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
