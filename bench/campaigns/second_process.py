"""A second Foyer: started on the same database, or with the same token on another one, while
the first sends the week's prompts 150 ms from Telegram. The second must refuse in one line
and exit 2; the first goes on, and every member gets the prompt once.

    python -m bench.campaigns.second_process [--members 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import PY, ROOT, TOKEN
from bench.seed import seed, user_ids
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
    same_database: Refusal
    same_token: Refusal
    names_first: bool  # the refusal names the process that serves the database
    missing: int
    duplicates: int
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.same_database.one_line
            and self.names_first
            and self.same_token.one_line
            and self.missing == 0
            and self.duplicates == 0
        )


async def _foyer_run(api: str, db: Path) -> Refusal:
    env = {
        **os.environ,
        "FOYER_BOT_TOKEN": TOKEN,
        "FOYER_BOT_API_URL": api,
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
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


async def campaign(members: int, workdir: Path) -> SecondResult:
    groups = max(1, members // 50)
    members = groups * 50
    db, other = workdir / "foyer.db", workdir / "other.db"
    await asyncio.to_thread(asyncio.run, seed(f"sqlite+aiosqlite:///{db}", groups, 50))
    shutil.copy(db, other)
    uids = list(user_ids(groups, 50))
    started = time.monotonic()
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        emu.inject(delay=0.15)  # every call, as from far away: the window the duplicates used
        api = emu.base_url.removesuffix("/bot")
        first = await asyncio.create_subprocess_exec(
            PY, "-m", "bench.bot_process", "--api", api, "--db", str(db), "--lock",
            "--concurrency", "8", cwd=ROOT,
        )  # fmt: skip
        while sum(_received(emu, uid) for uid in uids) < 10:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        same_database, same_token = await asyncio.gather(
            _foyer_run(api, db), _foyer_run(api, other)
        )
        deadline = time.monotonic() + max(120, members / 5)
        # The emulator's chats, not an event: polled.
        while any(_received(emu, uid) == 0 for uid in uids):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # anything still in flight lands
        first.terminate()
        await first.wait()
        counts = [_received(emu, uid) for uid in uids]
    return SecondResult(
        members=members,
        same_database=same_database,
        same_token=same_token,
        names_first=f"process {first.pid} " in same_database.stderr,
        missing=sum(1 for n in counts if n == 0),
        duplicates=sum(n - 1 for n in counts if n > 1),
        seconds=time.monotonic() - started,
    )


def run(members: int = 500) -> SecondResult:
    with tempfile.TemporaryDirectory(prefix="foyer-second-") as tmp:
        return asyncio.run(campaign(members, Path(tmp)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=500)
    args = p.parse_args()
    r = run(args.members)
    print(
        f"second process: {r.members} members; same database: {r.same_database} "
        f"({'names' if r.names_first else 'does not name'} the first); same token: "
        f"{r.same_token}; {r.missing} missing, {r.duplicates} duplicates; {r.seconds:.0f} s: "
        f"{'PASS' if r.ok else 'FAIL'}"
    )
    for refusal in (r.same_database, r.same_token):
        print("   " + refusal.last_line)
    sys.exit(0 if r.ok else 1)


if __name__ == "__main__":
    main()
