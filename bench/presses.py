"""A member's button press, timed while the bot does something big (a fan-out, a planning).

The emulator runs in the bench's process and the real bot in a child (bench/bot_process.py),
as in the crash campaign. Every ~100 ms another seeded member presses Done on his week-1
check-in (seeded as sent, so the press counts: the bot stores it, answers the query and edits
the message); the latency is from the press until the emulator sees the edit. Each member
presses once, so every edit is a new one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bench.common import PY, ROOT, TOKEN
from bench.seed import FIRST_USER_ID
from bot.domain.buttons.member import CheckIn
from bot.emulator import BotAPIEmulator

EVERY = 0.1  # seconds between presses
ANSWER_WITHIN = 30.0  # past this a press counts as unanswered


@dataclass(frozen=True)
class CheckInMessage:
    user_id: int
    message_id: int
    data: str


async def checkin_messages(emu: BotAPIEmulator, count: int) -> list[CheckInMessage]:
    """Week 1's check-in in the chats of the first ``count`` members, as Foyer sent it (their
    outbox rows say sent: bench.seed's ``sent_checkins``)."""
    out: list[CheckInMessage] = []
    async with Bot(TOKEN, base_url=emu.base_url) as bot:

        async def one(i: int) -> CheckInMessage:
            data = CheckIn(i + 1, 1, "done").pack()
            sent = await bot.send_message(
                FIRST_USER_ID + i,
                "How did this week's challenge go?",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Done", data)]]),
            )
            return CheckInMessage(FIRST_USER_ID + i, sent.message_id, data)

        for start in range(0, count, 50):
            out += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 50))))
    return out


async def bot_process(
    api: str, db: str, *flags: str, concurrency: int = 32, at: str | None = None
) -> asyncio.subprocess.Process:
    """bench.bot_process in a child process."""
    args = ["--api", api, "--db", db, "--concurrency", str(concurrency), *flags]
    if at is not None:
        args += ["--at", at]
    return await asyncio.create_subprocess_exec(PY, "-m", "bench.bot_process", *args, cwd=ROOT)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with q % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class Presser:
    emu: BotAPIEmulator
    messages: list[CheckInMessage]
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    _next: int = 0

    def calls(self) -> int:
        """The emulator's calls so far: until_polling(since=) looks only at later ones."""
        return len(self.emu.state.calls)

    async def until_polling(self, since: int, timeout: float = 60) -> None:
        """Until a bot started after call ``since`` has asked for updates: from then on a
        press reaches it (not a bot stopped before)."""
        calls = self.emu.state.calls

        def polled() -> bool:
            nonlocal since
            for record in calls[since:]:
                if record.method == "getUpdates":
                    return True
            since = len(calls)
            return False

        await self.emu.wait_until(polled, timeout, "the bot polling")

    async def _press(self, m: CheckInMessage) -> None:
        started = time.monotonic()
        self.emu.press_button(m.user_id, m.message_id, m.data)
        try:
            await self.emu.wait_for_edit(m.user_id, m.message_id, timeout=ANSWER_WITHIN)
        except AssertionError:
            self.unanswered += 1
            return
        self.latencies.append(time.monotonic() - started)

    async def press_until(self, done: asyncio.Future[Any], most: int | None = None) -> None:
        """A press every EVERY seconds (not waiting for the answers) until ``done`` or ``most``
        presses, or until every seeded member pressed (a small run); then waits for the answers."""
        pending: list[asyncio.Future[None]] = []
        while not done.done() and (most is None or len(pending) < most):
            if self._next >= len(self.messages):
                break
            pending.append(asyncio.ensure_future(self._press(self.messages[self._next])))
            self._next += 1
            await asyncio.wait([done], timeout=EVERY)
        await asyncio.gather(*pending)
