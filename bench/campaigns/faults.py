"""Faults: a fan-out through a flaky Telegram. Nothing lost, retry_after honoured, blocked
members marked and never retried, and each person's messages in order.

    python -m bench.campaigns.faults [--members 2000] [--seed 1]

The emulator answers 10 % of sends with 500/502/503, holds a few past the client's timeout,
sends bursts of 429 with retry_after, and 5 % of members have blocked the bot. Each member gets
two messages: week 1's prompt, then a facilitator's news to the group, due a moment later; the
news must never arrive before the prompt, even when the prompt is retried. The clock jumps
ahead while the campaign runs so that backoff retries come due in seconds, not minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import TOKEN, bench_settings, database_url
from bench.seed import WEEK1_DUE, seed, user_ids
from bot.app import build_application, running
from bot.delivery import planner
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.storage import broadcasts
from bot.storage.tables import membership, outbox, person


@dataclass
class FaultsResult:
    members: int
    blocked: int
    missing: int = 0
    duplicates: int = 0
    timeouts: int = 0
    early_calls: int = 0
    blocked_marked: int = 0
    blocked_retried: int = 0
    out_of_order: int = 0  # members who got the news before the week's prompt
    injected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.missing == 0
            and self.early_calls == 0
            and self.blocked_marked == self.blocked
            and self.blocked_retried == 0
            and self.out_of_order == 0
            and self.duplicates <= self.timeouts  # a send the client gave up on may land
        )


CLIENT_READ_TIMEOUT = 5.0  # python-telegram-bot's default
NEWS = "Group news: meeting moved to the school."


async def post_news(rt: Runtime, groups: int) -> None:
    """A confirmed broadcast to every group (written by its first member), due now."""
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        authors = await conn.execute(
            select(membership.c.group_id, func.min(membership.c.person_id))
            .where(membership.c.group_id <= groups)
            .group_by(membership.c.group_id)
        )
        for g, author in authors.all():
            bid = await broadcasts.create(
                conn,
                group_id=g,
                author_id=author,
                kind="text",
                text=NEWS,
                file_id=None,
                send_at=None,
                now=now,
            )
            await broadcasts.confirm(conn, bid, now)
            await broadcasts.fan_out(
                conn, broadcast_id=bid, group_id=g, kind="broadcast", due_at=now
            )
    rt.wake_sender()


def received(texts: list[str], prompt: str | None) -> list[str]:
    """What a member got of the two messages, in order of arrival. The prompt is in the
    member's language, so it is known by the text of the one its outbox row recorded (a copy
    that landed after the client gave up has the same text)."""
    return ["prompt" if t == prompt else "news" for t in texts if t == prompt or NEWS in t]


async def campaign(
    members: int,
    rng_seed: int,
    workdir: Path,
    concurrency: int = 8,
    timeouts: int = 8,
    burst: int = 5,
    bursts: int = 3,
    url: str = "",
) -> FaultsResult:
    groups = max(1, members // 50)
    members = groups * 50
    db = url or database_url(workdir / "faults.db")
    await asyncio.to_thread(asyncio.run, seed(db, groups, 50))
    rng = random.Random(rng_seed)
    uids = list(user_ids(groups, 50))
    blocked = set(rng.sample(uids, max(1, members // 20)))
    result = FaultsResult(members=members, blocked=len(blocked))
    started = time.monotonic()
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        for uid in blocked:
            emu.block(uid)
        server_errors = [
            emu.inject("sendMessage", status, probability=0.1 / 3, seed=rng_seed + status)
            for status in (500, 502, 503)
        ]
        # Past python-telegram-bot's 5 s read timeout: the client gives up, the message lands.
        held = emu.inject(
            "sendMessage", delay=5.5, probability=0.004, seed=rng_seed, times=max(timeouts, 0)
        )
        settings = bench_settings(
            emu.base_url.removesuffix("/bot"), db, send_concurrency=concurrency
        )
        clock = OffsetClock(WEEK1_DUE + timedelta(minutes=1))
        app = build_application(settings, clock=clock)
        async with running(app, poll_timeout=1):
            rt = runtime_of(app)
            await planner.tick(rt)
            clock.advance(timedelta(seconds=1))
            await post_news(rt, groups)
            deadline = time.monotonic() + max(120, members / 10)
            emu.inject("sendMessage", 429, retry_after=1, times=burst)  # the first burst, at once
            injected_bursts = 1
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                clock.advance(timedelta(seconds=30))  # backoff retries come due
                rt.wake_sender()
                if injected_bursts < bursts and rng.random() < 0.3:  # more bursts now and then
                    injected_bursts += 1
                    emu.inject("sendMessage", 429, retry_after=rng.randint(1, 3), times=burst)
                async with rt.engine.connect() as conn:
                    pending = (
                        await conn.execute(
                            select(func.count()).where(outbox.c.status.in_(("pending", "sending")))
                        )
                    ).scalar_one()
                if pending == 0:
                    break
            async with rt.engine.connect() as conn:
                marked = set(
                    (
                        await conn.execute(
                            select(person.c.telegram_id).where(person.c.blocked.is_(True))
                        )
                    ).scalars()
                )
                sent_prompts = await conn.execute(
                    select(outbox.c.chat_id, outbox.c.message_id).where(
                        outbox.c.kind == "prompt", outbox.c.status == "sent"
                    )
                )
                recorded = {r.chat_id: r.message_id for r in sent_prompts}
        emu.clear_faults()
        if held.hits:
            await asyncio.sleep(6)  # the held answers land (the client gave up on them)
        # Sends to a blocked member after Foyer was told 403 (a 5xx before it is fine, and so
        # is a 403 that came after the client's read timeout: Foyer never saw it).
        after_403: dict[int, int] = {}
        for call in emu.calls("sendMessage"):
            chat = int(call.params.get("chat_id", 0))
            if chat in after_403:
                after_403[chat] += 1
            elif call.status == 403 and call.duration < CLIENT_READ_TIMEOUT:
                after_403[chat] = 0
        for uid in uids:
            if uid in blocked:
                continue
            messages = emu.messages(uid)
            prompt = next((m.text for m in messages if m.message_id == recorded.get(uid)), None)
            got = received([m.text or m.caption or "" for m in messages], prompt)
            for kind in ("prompt", "news"):
                result.missing += kind not in got
                result.duplicates += max(0, got.count(kind) - 1)
            if "prompt" in got and "news" in got and got.index("news") < got.index("prompt"):
                result.out_of_order += 1
        result.blocked_marked = len(marked & blocked)
        result.blocked_retried = sum(1 for uid in blocked if after_403.get(uid, 0) > 0)
        result.early_calls = emu.early_calls
        result.timeouts = held.hits
        result.injected = {
            "5xx": sum(f.hits for f in server_errors),
            "timeouts": held.hits,
            "429_bursts": injected_bursts,
        }
    result.seconds = time.monotonic() - started
    return result


def run(
    members: int,
    rng_seed: int = 1,
    concurrency: int = 8,
    timeouts: int = 8,
    burst: int = 5,
    bursts: int = 3,
    database_url: str = "",
) -> FaultsResult:
    """On a SQLite file of its own, or on the empty database at database_url."""
    with tempfile.TemporaryDirectory(prefix="foyer-faults-") as tmp:
        return asyncio.run(
            campaign(
                members, rng_seed, Path(tmp), concurrency, timeouts, burst, bursts, database_url
            )
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=8, help="FOYER_SEND_CONCURRENCY")
    args = p.parse_args()
    r = run(args.members, args.seed, args.concurrency)
    print(
        f"faults: {r.members} members ({r.blocked} blocked), injected {r.injected}; "
        f"{r.missing} missing, {r.duplicates} duplicates (timeouts {r.timeouts}), "
        f"{r.early_calls} calls before retry_after expired, "
        f"{r.blocked_marked}/{r.blocked} blocked marked, {r.blocked_retried} retried, "
        f"{r.out_of_order} out of order, "
        f"{r.seconds:.0f} s: {'PASS' if r.ok else 'FAIL'}"
    )
    sys.exit(0 if r.ok else 1)


if __name__ == "__main__":
    main()
