"""PostgreSQL restarted in the middle of a fan-out: nothing lost, few repeats, no traceback.

    python -m bench.campaigns.pg_restart [--members 2000] [--concurrency 8]

A throwaway cluster of the campaign's own (bench/pg.py: initdb as the postgres user when
root, a free port, its socket in a temporary folder), so restarting it disturbs nobody. One
worker (bench/bot_process.py, logging as `foyer run` does) sends week 1 to every member, each
send taking 20 ms at the emulator; after a quarter of them the server is restarted with
``pg_ctl restart -m fast`` (connections ended cleanly), after half with ``-m immediate`` (a
crash: recovery from the WAL). Goals: 0 missing; duplicates at most FOYER_SEND_CONCURRENCY per
restart (messages sent whose outcome the dead connection could not record); the worker says so
in the sender's two lines (pause, resume) per restart at most, never a traceback. A restart
that cuts the planner's tick adds its one warning (``planner.tick_failed``: the next tick plans
the rest); the error handler's line (``handler.error``) would be a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import pg
from bench.campaigns.crash import Recipients, SendCounter, received
from bench.common import PY, ROOT, TOKEN
from bench.seed import seed, user_ids
from bot.emulator import BotAPIEmulator

MODES = ("fast", "immediate")
EXPECTED = ("sender.paused", "sender.resumed", "planner.tick_failed")
SEND_DELAY = 0.02
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+) (\S+) (.*)$")


@dataclass
class RestartResult:
    members: int
    concurrency: int
    restarts: list[str]
    restart_seconds: list[float] = field(default_factory=list)
    sent_after_restart: list[int] = field(default_factory=list)  # the server was back by then
    missing: int = 0
    duplicates: int = 0
    warnings: list[str] = field(default_factory=list)  # WARNING and above, as logged
    tracebacks: int = 0
    exit_code: int | None = None
    seconds: float = 0.0

    @property
    def allowed(self) -> int:
        return len(self.restarts) * self.concurrency

    @property
    def ok(self) -> bool:
        return (
            self.missing == 0
            and self.duplicates <= self.allowed
            and self.tracebacks == 0
            # a pause and a resume each, and a tick the restart cut
            and len(self.warnings) <= 3 * len(self.restarts)
            and all(any(e in w for e in EXPECTED) for w in self.warnings)
        )


async def campaign(members: int, concurrency: int, modes: tuple[str, ...]) -> RestartResult:
    groups = max(1, members // 50)
    members = groups * 50
    result = RestartResult(members=members, concurrency=concurrency, restarts=list(modes))
    with pg.cluster() as cluster, tempfile.TemporaryDirectory(prefix="foyer-pgr-") as tmp:
        url = await pg.create(cluster.url, "foyer")
        await asyncio.to_thread(asyncio.run, seed(url, groups, 50))
        uids = list(user_ids(groups, 50))
        stderr_path = Path(tmp) / "bot.stderr"
        started = time.monotonic()
        async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
            emu.inject(method="sendMessage", delay=SEND_DELAY)
            api = emu.base_url.removesuffix("/bot")
            sends, recipients = SendCounter(emu), Recipients(emu)
            with stderr_path.open("wb") as stderr:
                bot = await asyncio.create_subprocess_exec(
                    PY, "-m", "bench.bot_process", "--api", api, "--db", url, "--log",
                    "--concurrency", str(concurrency), cwd=ROOT, stderr=stderr,
                )  # fmt: skip
                try:
                    for i, mode in enumerate(modes, start=1):
                        target = members * i // (len(modes) + 2)
                        await emu.wait_until(lambda: sends.update() >= target, 120, "sends")  # noqa: B023
                        result.restart_seconds.append(
                            await asyncio.to_thread(cluster.restart, mode)
                        )
                        result.sent_after_restart.append(sends.update())
                    everyone = lambda: recipients.update() >= members  # noqa: E731
                    try:
                        await emu.wait_until(everyone, max(120, members / 10), "every member")
                    except AssertionError:
                        pass  # counted as missing below
                    await asyncio.sleep(0.5)  # anything still in flight lands
                finally:
                    bot.terminate()
                    result.exit_code = await bot.wait()
            counts = [received(emu, u) for u in uids]
        text = stderr_path.read_text(errors="replace")
        result.seconds = time.monotonic() - started
    result.missing = sum(1 for n in counts if n == 0)
    result.duplicates = sum(n - 1 for n in counts if n > 1)
    result.tracebacks = text.count("Traceback")
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m and m.group(1) in ("WARNING", "ERROR", "CRITICAL"):
            result.warnings.append(f"{m.group(1)} {m.group(2)} {m.group(3)}")
    return result


def run(members: int = 2000, concurrency: int = 8, modes: tuple[str, ...] = MODES) -> RestartResult:
    return asyncio.run(campaign(members, concurrency, modes))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=8, help="FOYER_SEND_CONCURRENCY")
    p.add_argument("--modes", default=",".join(MODES), help="pg_ctl restart modes, in order")
    args = p.parse_args()
    r = run(args.members, args.concurrency, tuple(args.modes.split(",")))
    print(
        f"pg restart: {r.members} members, restarts {', '.join(r.restarts)} "
        f"({', '.join(f'{s:.1f} s' for s in r.restart_seconds)}), concurrency "
        f"{r.concurrency}: {r.missing} missing, {r.duplicates} duplicates (allowed "
        f"{r.allowed}), {len(r.warnings)} warnings, {r.tracebacks} tracebacks, exit "
        f"{r.exit_code}, {r.seconds:.0f} s: {'PASS' if r.ok else 'FAIL'}"
    )
    for line in r.warnings:
        print("   " + line)
    sys.exit(0 if r.ok else 1)


if __name__ == "__main__":
    main()
