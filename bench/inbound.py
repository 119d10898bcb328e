"""Inbound: check-in button presses handled per second, Foyer against a bare echo bot.

    python -m bench.inbound foyer --api URL --db FILE --presses N
    python -m bench.inbound echo --api URL --presses N

Both read the same kind of update (a callback query on a message with buttons) from the same
emulator. Foyer's work per press: find the person, check the button against the outbox, write
the answer, answer the query, edit the message. The echo bot answers the query and edits the
message with the button's data. The database must be seeded with ``--sent-checkins N``.
Prints one JSON line: presses, seconds, per_second (from the first update handled to the last).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    TypeHandler,
)

from bench.common import TOKEN, TRANSPORTS, bench_settings, emit, peak_rss_mb, transport
from bench.seed import FIRST_USER_ID, WEEK1_DUE
from bot.app import build_application, running
from bot.domain.buttons.member import CheckIn, CheckInValue
from bot.infra.clock import OffsetClock


def control(api: str, action: str, **kwargs: Any) -> Any:
    request = urllib.request.Request(
        f"{api}/_emulator/{action}",
        data=json.dumps(kwargs).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["result"]


async def prepare(api: str, presses: int) -> None:
    """A check-in message in each chat (as Foyer sent it), then every member presses once."""
    bot = Bot(TOKEN, base_url=f"{api}/bot")
    values: tuple[CheckInValue, ...] = ("done", "partly", "notyet")
    async with bot:
        for i in range(presses):
            data = CheckIn(i + 1, 1, values[i % 3]).pack()
            message = await bot.send_message(
                FIRST_USER_ID + i,
                "How did this week's challenge go?",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Done", callback_data=data)]]
                ),
            )
            control(
                api,
                "press_button",
                user_id=FIRST_USER_ID + i,
                message_id=message.message_id,
                callback_data=data,
            )


class Meter:
    """Counts updates handled: a first handler marks the start, a last one the end."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.handled = 0
        self.first = 0.0
        self.last = 0.0
        self.cpu_first = 0.0  # this process's CPU time (every thread), as first and last seen
        self.cpu_last = 0.0
        self.done = asyncio.Event()

    def install(self, app: Application) -> None:
        app.add_handler(TypeHandler(Update, self._start), group=-100)
        app.add_handler(TypeHandler(Update, self._end), group=100)

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.first:
            self.first = time.perf_counter()
            self.cpu_first = time.process_time()

    async def _end(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.handled += 1
        self.last = time.perf_counter()
        self.cpu_last = time.process_time()
        if self.handled >= self.expected:
            self.done.set()


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"You pressed {query.data}")


@contextlib.asynccontextmanager
async def bare_running(app: Application) -> AsyncIterator[None]:
    """What bot.app.running does, for an application without Foyer's hooks."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


async def measure(args: argparse.Namespace) -> dict[str, object]:
    await prepare(args.api, args.presses)
    meter = Meter(args.presses)
    if args.mode == "foyer":
        settings = bench_settings(args.api, args.db)
        app = build_application(settings, clock=OffsetClock(WEEK1_DUE + timedelta(days=3)))
    else:
        builder = ApplicationBuilder().token(TOKEN).base_url(f"{args.api}/bot")
        if args.transport == "aiohttp":
            builder = builder.request(transport("aiohttp", 256)).get_updates_request(
                transport("aiohttp", 1)
            )
        app = builder.build()
        app.add_handler(CallbackQueryHandler(echo_press))
    meter.install(app)
    async with running(app, poll_timeout=1) if args.mode == "foyer" else bare_running(app):
        await asyncio.wait_for(meter.done.wait(), 600)
    seconds = meter.last - meter.first
    return {
        "presses": meter.handled,
        "seconds": seconds,
        "per_second": (meter.handled - 1) / seconds,
        "cpu_ms_per_press": (meter.cpu_last - meter.cpu_first) / (meter.handled - 1) * 1000,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=("foyer", "echo"))
    p.add_argument("--api", required=True, help="emulator URL without /bot")
    p.add_argument("--db", help="seeded SQLite file (foyer mode)")
    p.add_argument("--presses", type=int, default=1000)
    p.add_argument(
        "--transport",
        choices=TRANSPORTS,
        default="httpx",
        help="echo mode's HTTP client: PTB's default (httpx) or Foyer's (aiohttp)",
    )
    args = p.parse_args()
    emit(asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
