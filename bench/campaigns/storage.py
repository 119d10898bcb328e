"""Storage faults: the database fills up, turns read-only, is locked or loses its connection in
the middle of a fan-out. Nobody gets a message twice, nothing is lost once the fault ends, the
people who write meanwhile get an answer, and the log says it in a few lines.

    python -m bench.campaigns.storage [--members 1000] [--faults disk_full,read_only,...]

Each fault runs on its own database: week 1's prompt fans out to every member (each send takes
the emulator 20 ms, so the fan-out spans the fault), the fault starts once a tenth of them are
out and lasts FAULT_SECONDS, during which a member asks for /help every half second. Then the
fault ends and the outbox must drain. ``disk_full`` needs a small filesystem of its own: a
tmpfs mounted here, which needs root (CI runs as root); without it, it is reported as not run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import TOKEN, LogCounter, bench_settings
from bench.seed import WEEK1_DUE, seed, user_ids
from bot.app import build_application, running
from bot.delivery import planner
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.infra.log_setup import quiet_libraries
from bot.runtime import Runtime, runtime_of
from bot.storage.tables import outbox

FAULTS = ("disk_full", "read_only", "locked", "connection_killed")
FAULT_SECONDS = 4.0
ANSWER_WITHIN = 5.0  # a question asked during the fault counts as answered within this
FS_MB = 8


@dataclass
class FaultResult:
    fault: str
    members: int
    ran: bool = True
    note: str = ""
    missing: int = 0  # members without the prompt once the fault is over
    duplicates: int = 0  # extra copies, in all
    most_copies: int = 0  # the most copies one member got
    asked: int = 0
    answered: int = 0
    slowest_answer: float = 0.0
    log_lines: int = 0  # lines Foyer logged from the fault's start to the outbox drained
    tracebacks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        if not self.ran:
            return True
        return (
            self.missing == 0
            and self.duplicates == 0
            and self.answered == self.asked
            # The sender's pause and resume, the update ids' write failing (once a minute), and
            # at most one line for each update that failed.
            and self.log_lines <= 5 + self.asked
            and self.tracebacks == 0
        )


@dataclass
class StorageResult:
    rows: list[FaultResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


class SmallFs:
    """A tmpfs of a few MB for the database, which can be filled and made read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    @staticmethod
    @contextlib.contextmanager
    def mounted(path: Path) -> Iterator[SmallFs | None]:
        path.mkdir(parents=True, exist_ok=True)
        ok = (
            hasattr(os, "geteuid")
            and os.geteuid() == 0
            and _mount("-t", "tmpfs", "-o", f"size={FS_MB}m", "tmpfs", str(path))
        )
        try:
            yield SmallFs(path) if ok else None
        finally:
            if ok:
                _mount("-o", "remount,rw", str(path))
                subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)

    def fill(self) -> None:
        chunk = b"\0" * (64 * 1024)
        with contextlib.suppress(OSError), self.filler.open("wb") as f:
            while True:
                f.write(chunk)
                f.flush()

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], check=False, capture_output=True).returncode == 0


class _Lock:
    """Another program holds SQLite's write lock (a backup tool, a curious admin's shell)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._release = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        locked = threading.Event()

        def hold() -> None:
            with contextlib.closing(sqlite3.connect(self.db, timeout=30)) as con:
                con.execute("BEGIN IMMEDIATE")
                locked.set()
                self._release.wait(60)
                con.rollback()

        self._thread = threading.Thread(target=hold, daemon=True)
        self._thread.start()
        locked.wait(30)

    def stop(self) -> None:
        self._release.set()
        if self._thread is not None:
            self._thread.join(30)


async def _kill_connection(rt: Runtime) -> None:
    """The database connection dies under Foyer: the pooled aiosqlite connection is closed
    beneath the pool (its thread ends), as if it had been lost."""
    async with rt.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.close()


async def _query_only(rt: Runtime, on: bool) -> None:
    """SQLite refuses every write on Foyer's connection, as it does on a file it may not write
    ("attempt to write a readonly database"). A read-only remount is refused while the
    database is open, and root may write whatever a file's mode says."""
    async with rt.engine.connect() as conn:
        await conn.exec_driver_sql(f"PRAGMA query_only={'ON' if on else 'OFF'}")


async def _waiting(rt: Runtime) -> int:
    async with rt.engine.connect() as conn:
        query = select(func.count()).where(outbox.c.status.in_(("pending", "sending")))
        return int((await conn.execute(query)).scalar_one())


async def _ask_help(emu: BotAPIEmulator, uid: int) -> float | None:
    """Seconds until the member's /help got any answer, or None."""
    before = len(emu.messages(uid))
    started = time.monotonic()
    emu.send_text(uid, "/help")
    while time.monotonic() - started < ANSWER_WITHIN:
        if len(emu.messages(uid)) > before:
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return None


async def one_fault(fault: str, members: int, workdir: Path, fs: SmallFs | None) -> FaultResult:
    groups = max(1, members // 50)
    members = groups * 50
    result = FaultResult(fault=fault, members=members)
    if fault == "disk_full" and fs is None:
        result.ran, result.note = False, "needs root to mount a small tmpfs"
        return result
    home = fs.path if fs is not None and fault == "disk_full" else workdir
    db = home / f"{fault}.db"
    await asyncio.to_thread(asyncio.run, seed(f"sqlite+aiosqlite:///{db}", groups, 50))
    uids = list(user_ids(groups, 50))
    askers = uids[-10:]  # the last ones: their prompt is still to come during the fault
    lock = _Lock(db)
    counter = LogCounter()
    started = time.monotonic()
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        emu.inject("sendMessage", delay=0.02)
        settings = bench_settings(emu.base_url.removesuffix("/bot"), db)
        clock = OffsetClock(WEEK1_DUE + timedelta(minutes=1))
        app = build_application(settings, clock=clock)
        async with running(app, poll_timeout=1):
            rt = runtime_of(app)
            await planner.tick(rt)
            rt.wake_sender()
            while len(emu.calls("sendMessage")) < members // 10:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            logging.getLogger().addHandler(counter)
            start: dict[str, Callable[[], object]] = {
                "locked": lock.start,
                "disk_full": lambda: fs.fill() if fs else None,
            }
            if fault == "connection_killed":
                await _kill_connection(rt)
            elif fault == "read_only":
                await _query_only(rt, True)
            else:
                await asyncio.to_thread(start[fault])
            fault_ends = time.monotonic() + FAULT_SECONDS
            answers = []
            for uid in askers:
                if time.monotonic() >= fault_ends:
                    break
                answers.append(asyncio.create_task(_ask_help(emu, uid)))
                await asyncio.sleep(0.5)
            await asyncio.sleep(max(0.0, fault_ends - time.monotonic()))
            stop: dict[str, Callable[[], object]] = {
                "locked": lock.stop,
                "disk_full": lambda: fs.free() if fs else None,
            }
            if fault in stop:
                await asyncio.to_thread(stop[fault])
            elif fault == "read_only":
                await _query_only(rt, False)
            latencies = await asyncio.gather(*answers)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(Exception):
                    if await _waiting(rt) == 0:
                        break
                rt.wake_sender()
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.3)
            logging.getLogger().removeHandler(counter)
            async with rt.engine.connect() as conn:
                rows = await conn.execute(
                    select(outbox.c.chat_id, outbox.c.message_id).where(
                        outbox.c.kind == "prompt", outbox.c.status == "sent"
                    )
                )
                recorded = {r.chat_id: r.message_id for r in rows}
        for uid in uids:
            # The prompt is in the member's language: known by the text its record points to.
            texts = [m.text for m in emu.messages(uid)]
            prompt = next(
                (m.text for m in emu.messages(uid) if m.message_id == recorded.get(uid)), None
            )
            copies = texts.count(prompt) if prompt is not None else 0
            result.missing += copies == 0
            result.duplicates += max(0, copies - 1)
            result.most_copies = max(result.most_copies, copies)
    result.asked = len(latencies)
    answered = [s for s in latencies if s is not None]
    result.answered = len(answered)
    result.slowest_answer = max(answered, default=0.0)
    result.log_lines = counter.lines
    result.tracebacks = counter.tracebacks
    result.seconds = time.monotonic() - started
    return result


async def campaign(members: int, faults: tuple[str, ...], workdir: Path) -> StorageResult:
    out = StorageResult()
    with SmallFs.mounted(workdir / "smallfs") as fs:
        for fault in faults:
            out.rows.append(await one_fault(fault, members, workdir, fs))
    return out


def run(members: int = 1000, faults: tuple[str, ...] = FAULTS) -> StorageResult:
    quiet_libraries()
    logging.getLogger().setLevel(logging.INFO)  # every line `foyer run` would log is counted
    with tempfile.TemporaryDirectory(prefix="foyer-storage-") as tmp:
        return asyncio.run(campaign(members, faults, Path(tmp)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--faults", default=",".join(FAULTS))
    args = p.parse_args()
    result = run(args.members, tuple(args.faults.split(",")))
    for r in result.rows:
        if not r.ran:
            print(f"storage {r.fault}: not run ({r.note})")
            continue
        print(
            f"storage {r.fault}: {r.members} members; {r.missing} missing, "
            f"{r.duplicates} extra copies (most to one member: {r.most_copies}); "
            f"{r.answered}/{r.asked} asked during the fault answered "
            f"(slowest {r.slowest_answer:.2f} s); {r.log_lines} log lines, "
            f"{r.tracebacks} tracebacks; {r.seconds:.0f} s: {'PASS' if r.ok else 'FAIL'}"
        )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
