"""Flood: one person sends hundreds of messages; everybody else is still answered at once.

    python -m bench.campaigns.flood [--messages 500]

Three floods, each on a fresh database: a stranger's; a stranger's with every Bot API call
taking 100 ms (a server far from Telegram); and an enrolled member's, with the emulator
refusing a chat's calls past Telegram's per-chat limit (429 with retry_after). Right after the
flood is queued, one member asks for /help, another types the safe word and a third presses
his check-in button. Goals: /help and the press answered within 2 s, the safe word within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bench.common import TOKEN, LogCounter, bench_settings
from bench.seed import FIRST_USER_ID, WEEK1_DUE, seed
from bot.app import build_application, running
from bot.domain.buttons.member import CheckIn
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.infra.log_setup import quiet_libraries

SAFE_WORD = "mango"
HELP_WITHIN, PRESS_WITHIN, SAFE_WORD_WITHIN = 2.0, 2.0, 1.0
ASKER, SAFE, PRESSER, MEMBER_FLOODER = (FIRST_USER_ID + i for i in range(4))
STRANGER = 777_000_001
FLOODS = ("stranger", "stranger_far", "member_429")


@dataclass
class FloodResult:
    flood: str
    messages: int
    help_s: float | None = None
    safe_word_s: float | None = None
    press_s: float | None = None
    flooder_answers: int = 0  # what the flooder got back
    drained_s: float | None = None  # until the flood's last update was handled
    log_lines: int = 0
    tracebacks: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.help_s is not None
            and self.help_s <= HELP_WITHIN
            and self.press_s is not None
            and self.press_s <= PRESS_WITHIN
            and self.safe_word_s is not None
            and self.safe_word_s <= SAFE_WORD_WITHIN
            and self.tracebacks == 0
        )


@dataclass
class Result:
    rows: list[FloodResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


async def _answered(emu: BotAPIEmulator, uid: int, before: int, started: float) -> float | None:
    """Seconds from ``started`` until the chat had a new bot message, or None."""
    try:
        await emu.wait_until(lambda: len(emu.messages(uid)) > before, 30, "an answer")
    except AssertionError:
        return None
    return time.monotonic() - started


async def _edited(emu: BotAPIEmulator, uid: int, message_id: int, started: float) -> float | None:
    try:
        await emu.wait_for_edit(uid, message_id, timeout=30)
    except AssertionError:
        return None
    return time.monotonic() - started


async def one_flood(flood: str, messages: int, workdir: Path) -> FloodResult:
    db = workdir / f"{flood}.db"
    await asyncio.to_thread(asyncio.run, seed(f"sqlite+aiosqlite:///{db}", 1, 4, sent_checkins=4))
    result = FloodResult(flood=flood, messages=messages)
    counter = LogCounter()
    async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
        flooder = MEMBER_FLOODER if flood == "member_429" else STRANGER
        emu.user(flooder, first_name="Flood", language_code="en")
        # The check-in message Foyer sent the presser on Monday (its outbox row says sent).
        async with Bot(TOKEN, base_url=emu.base_url) as bot:
            data = CheckIn(3, 1, "done").pack()
            checkin = await bot.send_message(
                PRESSER,
                "How did this week's challenge go?",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Done", data)]]),
            )
        settings = bench_settings(
            emu.base_url.removesuffix("/bot"), db, safe_word=SAFE_WORD, rate_limit=False
        )
        app = build_application(settings, clock=OffsetClock(WEEK1_DUE + timedelta(days=3)))
        async with running(app, poll_timeout=1):
            await asyncio.sleep(0.5)  # started and polling
            if flood == "stranger_far":
                emu.inject(delay=0.1)
            if flood == "member_429":
                emu.limit_per_chat(calls=3, seconds=3.0)
            logging.getLogger().addHandler(counter)
            flood_started = time.monotonic()
            for i in range(messages):
                emu.send_text(flooder, f"hello {i}")
            counts = {uid: len(emu.messages(uid)) for uid in (ASKER, SAFE)}
            started = time.monotonic()
            emu.send_text(ASKER, "/help")
            emu.send_text(SAFE, SAFE_WORD)
            emu.press_button(PRESSER, checkin.message_id, data)
            result.help_s, result.safe_word_s, result.press_s = await asyncio.gather(
                _answered(emu, ASKER, counts[ASKER], started),
                _answered(emu, SAFE, counts[SAFE], started),
                _edited(emu, PRESSER, checkin.message_id, started),
            )
            # The flood is through once the bot has had nothing to say for a while.
            await emu.wait_idle(quiet=1.0, timeout=120)
            result.drained_s = time.monotonic() - flood_started - 1.0
            result.flooder_answers = len(emu.messages(flooder))
            logging.getLogger().removeHandler(counter)
    result.log_lines, result.tracebacks = counter.lines, counter.tracebacks
    return result


async def campaign(messages: int, floods: tuple[str, ...], workdir: Path) -> Result:
    out = Result()
    for flood in floods:
        out.rows.append(await one_flood(flood, messages, workdir))
    return out


def run(messages: int = 500, floods: tuple[str, ...] = FLOODS) -> Result:
    quiet_libraries()
    logging.getLogger().setLevel(logging.INFO)  # every line `foyer run` would log is counted
    with tempfile.TemporaryDirectory(prefix="foyer-flood-") as tmp:
        return asyncio.run(campaign(messages, floods, Path(tmp)))


def _s(value: float | None) -> str:
    return "no answer" if value is None else f"{value:.2f} s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--messages", type=int, default=500)
    p.add_argument("--floods", default=",".join(FLOODS))
    args = p.parse_args()
    result = run(args.messages, tuple(args.floods.split(",")))
    for r in result.rows:
        print(
            f"flood {r.flood}: {r.messages} messages; others answered: /help {_s(r.help_s)}, "
            f"safe word {_s(r.safe_word_s)}, check-in press {_s(r.press_s)}; the flooder got "
            f"{r.flooder_answers} answers, flood handled in {_s(r.drained_s)}; "
            f"{r.log_lines} log lines, {r.tracebacks} tracebacks: {'PASS' if r.ok else 'FAIL'}"
        )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
