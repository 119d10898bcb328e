"""A second Foyer: started on the same database, or with the same token on another one, while
the first sends the week's prompts 150 ms from Telegram. On a SQLite file, the second on the
same database must refuse in one line and exit 2; on PostgreSQL it joins as a worker (it
sends, and does not poll: no 409). With the same token on another database, it must refuse in
one line (Telegram's 409). The first goes on, and every member gets the prompt once.

    python -m bench.campaigns.second_process [--members 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import PY, ROOT, TOKEN, database_url
from bench.seed import WEEK1_DUE, seed, user_ids
from bot.emulator import BotAPIEmulator


@dataclass
class Refusal:
    code: int | None
    stderr: str

    @property
    def last_line(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""

    @property
    def one_line(self) -> bool:
        """Exit 2 with the reason in one line (the serving logs before it are its own)."""
        return (
            self.code == 2
            and self.last_line.startswith("foyer: ")
            and "Traceback" not in self.stderr
        )

    def __str__(self) -> str:
        return f"exit {self.code}"


@dataclass
class SecondResult:
    members: int
    shared: bool  # PostgreSQL: the second on the same database is a worker, not a refusal
    same_database: Refusal
    same_token: Refusal
    names_first: bool  # the refusal names the process that serves the database
    conflicts: int  # 409s to getUpdates while two shared the database: two pollers
    missing: int
    duplicates: int
    seconds: float

    @property
    def second_ok(self) -> bool:
        if self.shared:  # served until stopped, quietly, and never polled beside the first
            joined = self.same_database
            return joined.code == 0 and "Traceback" not in joined.stderr and self.conflicts == 0
        return self.same_database.one_line and self.names_first

    @property
    def ok(self) -> bool:
        return (
            self.second_ok
            and self.same_token.one_line
            and self.missing == 0
            and self.duplicates == 0
        )


async def _foyer_run(api: str, url: str) -> Refusal:
    env = {
        **os.environ,
        "FOYER_BOT_TOKEN": TOKEN,
        "FOYER_BOT_API_URL": api,
        "FOYER_DATABASE_URL": url,
    }
    proc = await asyncio.create_subprocess_exec(
        PY, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        _, err = await proc.communicate()
    return Refusal(proc.returncode, err.decode(errors="replace"))


def _received(emu: BotAPIEmulator, uid: int) -> int:
    chat = emu.state.chats.get(uid)
    return 0 if chat is None else sum(1 for m in chat.messages.values() if m.from_bot)


async def _worker(api: str, url: str, at: datetime) -> asyncio.subprocess.Process:
    """A second worker on the shared database, run as the first is, its clock set to the
    first's (workers compare their clocks' times: the sender's leases); stopped by SIGTERM once
    every member has the prompt."""
    return await asyncio.create_subprocess_exec(
        PY, "-m", "bench.bot_process", "--api", api, "--db", url, "--lock",
        "--concurrency", "8", "--at", at.isoformat(), cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def _conflicts(emu: BotAPIEmulator, since: float, until: float) -> int:
    """409s to polls that arrived after ``since`` and were answered before ``until``
    (time.monotonic(), as the emulator records): stopping, a poller's last call ends its own
    abandoned poll with one, which is not two pollers."""
    polls = emu.calls("getUpdates")
    return sum(1 for c in polls if c.status == 409 and since < c.time < until - c.duration)


async def campaign(members: int, workdir: Path, url: str = "") -> SecondResult:
    groups = max(1, members // 50)
    members = groups * 50
    db = url or database_url(workdir / "foyer.db")
    other = database_url(workdir / "other.db")  # a SQLite file: another database either way
    await asyncio.to_thread(asyncio.run, seed(db, groups, 50))
    await asyncio.to_thread(asyncio.run, seed(other, groups, 50))
    shared = db.startswith("postgresql")
    uids = list(user_ids(groups, 50))
    started = time.monotonic()
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        emu.inject(delay=0.15)  # every call, as from far away: the window the duplicates used
        api = emu.base_url.removesuffix("/bot")
        first_at, first_started = WEEK1_DUE + timedelta(minutes=1), time.monotonic()
        first = await asyncio.create_subprocess_exec(
            PY, "-m", "bench.bot_process", "--api", api, "--db", db, "--lock",
            "--concurrency", "8", "--at", first_at.isoformat(), cwd=ROOT,
        )  # fmt: skip
        while sum(_received(emu, uid) for uid in uids) < 10:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        joined = None
        if shared:
            menus = len(emu.calls("setMyCommands"))  # what one start-up sets
            now_first = first_at + timedelta(seconds=time.monotonic() - first_started)
            joined = await _worker(api, db, now_first)
            while len(emu.calls("setMyCommands")) < 2 * menus:  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # the worker's start-up: it serves from here on
        # The same token on another database: the 409s until it stops are its own; any
        # after it are two pollers on the shared database.
        same_token = await _foyer_run(api, other)
        alone = time.monotonic()
        same_database = None if shared else await _foyer_run(api, db)
        deadline = time.monotonic() + max(120, members / 5)
        # The emulator's chats, not an event: polled.
        while any(_received(emu, uid) == 0 for uid in uids):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # anything still in flight lands
        served = time.monotonic()
        if joined is not None:
            joined.terminate()
            _, err = await joined.communicate()
            same_database = Refusal(joined.returncode, err.decode(errors="replace"))
        first.terminate()
        await first.wait()
        counts = [_received(emu, uid) for uid in uids]
        conflicts = _conflicts(emu, alone, served)  # two pollers on the shared database
    assert same_database is not None
    return SecondResult(
        members=members,
        shared=shared,
        same_database=same_database,
        same_token=same_token,
        names_first=f"process {first.pid} " in same_database.stderr,
        conflicts=conflicts,
        missing=sum(1 for n in counts if n == 0),
        duplicates=sum(n - 1 for n in counts if n > 1),
        seconds=time.monotonic() - started,
    )


def run(members: int = 500, database_url: str = "") -> SecondResult:
    """On SQLite files of its own, or on the empty PostgreSQL database at database_url."""
    with tempfile.TemporaryDirectory(prefix="foyer-second-") as tmp:
        return asyncio.run(campaign(members, Path(tmp), database_url))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=500)
    p.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    args = p.parse_args()
    r = run(args.members, args.database_url)
    second = (
        f"joins as a worker ({r.same_database}, {r.conflicts} conflicts)"
        if r.shared
        else f"{r.same_database} ({'names' if r.names_first else 'does not name'} the first)"
    )
    print(
        f"second process: {r.members} members; same database: {second}; same token: "
        f"{r.same_token}; {r.missing} missing, {r.duplicates} duplicates; {r.seconds:.0f} s: "
        f"{'PASS' if r.ok else 'FAIL'}"
    )
    for refusal in (r.same_database, r.same_token):
        print("   " + refusal.last_line)
    sys.exit(0 if r.ok else 1)


if __name__ == "__main__":
    main()
