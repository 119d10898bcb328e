"""Fuzz: Hypothesis writes updates no one planned for; Foyer must stay kind and quiet.

    python -m bench.campaigns.fuzz [--examples 3000] [--seed 1]

Updates: texts up to 4,096 characters in any script, commands with odd arguments, deep-link
payloads, callback data (random, stale and forged), edited messages, stickers, locations,
voice notes, photos, and messages in groups the bot does not know; from enrolled members and
from strangers. Checks after every example: no unhandled exception reached the error handler,
every answer is a non-empty message with no traceback in it, and no log line quotes what
someone typed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bench.common import TOKEN, bench_settings
from bench.seed import FIRST_USER_ID, WEEK1_DUE
from bench.seed import seed as seed_db
from bot.app import build_application, running
from bot.domain.buttons.member import CheckIn, CheckInValue
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.infra.log_setup import quiet_libraries

T = TypeVar("T")
MEMBERS = 20
STRANGERS = range(900_000_001, 900_000_011)
GROUP_CHATS = (-100_123, -100_456)


@dataclass
class FuzzResult:
    examples: int = 0
    updates: int = 0
    handler_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unkind: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.handler_errors or self.leaks or self.unkind)


class LogCapture(logging.Handler):
    """Every formatted log line of the bot (the emulator's own excepted)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("bot.emulator"):
            return
        line = record.getMessage()
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)
        if record.levelno >= logging.ERROR and record.name.startswith(("bot", "telegram")):
            self.errors.append(line.splitlines()[0][:200])


class Loop:
    """An event loop in a thread, so Hypothesis's synchronous tests can drive async code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the loop's thread: the emulator's state belongs to that thread, and
        reading it from this one raced with the bot's late writes ("dictionary changed size
        during iteration")."""

        async def on_loop() -> T:
            return fn(*args)

        return self.run(on_loop())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


# --- what people send ----------------------------------------------------------------------

members = st.integers(FIRST_USER_ID, FIRST_USER_ID + MEMBERS - 1)
people = st.one_of(members, st.sampled_from(list(STRANGERS)))
# Any script: Latin, Arabic, N'Ko, Devanagari, CJK, emoji...; no lone surrogates (not UTF-8).
any_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=4096
).filter(lambda t: t.strip() != "")
short_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
commands = st.sampled_from(
    ["start", "help", "progress", "pause", "resume", "language", "stop", "erase", "discreet",
     "settings", "facilitator", "report", "broadcast", "concern", "unknown", "START", "Help"]
)  # fmt: skip
odd_args = st.one_of(
    st.just(""),
    short_text,
    st.integers(-(2**63), 2**63).map(str),
    st.sampled_from(["@foyer_test_bot", "-1", "0", "99999999999999999999", "' OR 1=1 --"]),
)
forged_data = st.one_of(
    st.text(max_size=64),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    st.builds(
        lambda m, w, v: f"ci:{m}:{w}:{v}",
        st.integers(0, 10**10),
        st.integers(0, 99),
        st.sampled_from("dpnx"),
    ),
    st.builds(
        lambda m, w: CheckIn(m, w, "done").pack(), st.integers(1, MEMBERS + 5), st.integers(1, 14)
    ),
    st.sampled_from(
        ["jl:AAAA:en", "jc:BADCODE:fr", "ja:x:bm:1:1", "jx::es", "lang:de", "lang:en", "pz:9",
         "pz:0", "st:y", "st:n", "ci:", "", "::::"]
    ),
)  # fmt: skip
actions = st.one_of(
    st.tuples(st.just("text"), people, any_text),
    st.tuples(
        st.just("command"), people, st.builds(lambda c, a: f"/{c} {a}".strip(), commands, odd_args)
    ),
    st.tuples(st.just("deeplink"), people, st.builds(lambda p: f"/start {p}", short_text)),
    st.tuples(st.just("press"), people, forged_data),
    st.tuples(st.just("edit"), people, any_text),
    st.tuples(st.just("sticker"), people, st.just("")),
    st.tuples(st.just("location"), people, st.just("")),
    st.tuples(st.just("voice"), people, st.just("")),
    st.tuples(st.just("photo"), people, short_text),
    st.tuples(st.just("group"), people, any_text),
)  # fmt: skip


def perform(emu: BotAPIEmulator, action: tuple[str, int, str]) -> str | None:
    """Do one action; returns the text the person typed (to look for in the logs)."""
    kind, uid, value = action
    if kind in ("text", "command", "deeplink"):
        emu.send_text(uid, value)
        return value
    if kind == "press":
        live = emu.state.bot_messages(uid)
        if not live:
            emu.send_text(uid, "/start")
            return None
        emu.press_button(uid, live[-1].message_id, value)
        return None
    if kind == "edit":
        chat = emu.state.chats.get(uid)
        mine = [m for m in chat.messages.values() if not m.from_bot and m.text] if chat else []
        if not mine:
            emu.send_text(uid, value)
        else:
            emu.edit_text(uid, mine[-1].message_id, value)
        return value
    if kind == "sticker":
        emu.send_sticker(uid)
    elif kind == "location":
        emu.send_location(uid)
    elif kind == "voice":
        emu.send_voice(uid)
    elif kind == "photo":
        emu.send_photo(uid, caption=value or None)
        return value or None
    elif kind == "group":
        emu.send_group_text(GROUP_CHATS[uid % 2], uid, value)
        return value
    return None


def said(
    emu: BotAPIEmulator, before: dict[int, int]
) -> tuple[list[str | None], list[dict[str, Any]]]:
    """What the bot wrote to each person since ``before`` and every callback answer so far."""
    texts = [
        m.text if m.text is not None else m.caption
        for uid, count in before.items()
        for m in emu.state.bot_messages(uid)[count:]
    ]
    return texts, [query.answer or {} for query in emu.state.callbacks.values()]


def unkind(text: str | None) -> bool:
    if not text or not text.strip():
        return True
    return any(word in text for word in ("Traceback", "Exception", "Error:", "None", "{"))


def run(examples: int, rng_seed: int = 1) -> FuzzResult:
    result = FuzzResult()
    capture = LogCapture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    quiet_libraries()  # as `foyer run` does: Foyer's own logs are what is checked
    loop = Loop()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="foyer-fuzz-") as tmp:
        db = Path(tmp) / "fuzz.db"
        asyncio.run(seed_db(f"sqlite+aiosqlite:///{db}", 1, MEMBERS, sent_checkins=MEMBERS))
        emu = BotAPIEmulator(token=TOKEN, auto_chats=True)
        loop.run(emu.start())
        app = build_application(
            bench_settings(emu.base_url.removesuffix("/bot"), db),
            clock=OffsetClock(WEEK1_DUE + timedelta(days=3)),
        )
        runner = running(app, poll_timeout=1)
        loop.run(runner.__aenter__())
        try:
            for i in range(MEMBERS):  # a real check-in message to press, stale or not
                loop.run(
                    app.bot.send_message(
                        FIRST_USER_ID + i,
                        "How did it go?",
                        reply_markup=_checkin_keyboard(i + 1),
                    )
                )

            @seed(rng_seed)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(st.lists(actions, min_size=1, max_size=6))
            def example(batch: list[tuple[str, int, str]]) -> None:
                result.examples += 1
                typed: list[str] = []
                before = loop.call(
                    lambda: {uid: len(emu.state.bot_messages(uid)) for _k, uid, _v in batch}
                )
                errors_before = len(capture.errors)
                lines_before = len(capture.lines)
                for action in batch:
                    value = loop.call(perform, emu, action)
                    result.updates += 1
                    if value and len(value.strip()) >= 8:
                        typed.append(value.strip())
                loop.run(emu.wait_idle(quiet=0.02, timeout=30))
                new_errors = capture.errors[errors_before:]
                if new_errors:
                    result.handler_errors.extend(new_errors)
                for line in capture.lines[lines_before:]:
                    for value in typed:
                        if value in line or value[:40] in line:
                            result.leaks.append(line[:200])
                texts, answers = loop.call(said, emu, before)
                result.unkind.extend(repr(t)[:200] for t in texts if unkind(t))
                result.unkind.extend(
                    repr(a)[:200]
                    for a in answers
                    if a.get("text") is not None and unkind(a["text"])
                )

            example()
        finally:
            loop.run(runner.__aexit__(None, None, None))
            loop.run(emu.stop())
            loop.close()
            root.removeHandler(capture)
            root.setLevel(old_level)
    result.seconds = time.monotonic() - started
    return result


def _checkin_keyboard(membership_id: int) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    answers: tuple[tuple[str, CheckInValue], ...] = (
        ("Done", "done"),
        ("Partly", "partly"),
        ("Not yet", "notyet"),
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=CheckIn(membership_id, 1, value).pack())
                for label, value in answers
            ]
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--examples", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    r = run(args.examples, args.seed)
    print(
        f"fuzz: {r.examples} examples, {r.updates} updates, {len(r.handler_errors)} handler "
        f"errors, {len(r.leaks)} log lines quoting what people typed, {len(r.unkind)} unkind "
        f"answers, {r.seconds:.0f} s: {'PASS' if r.ok else 'FAIL'}"
    )
    for line in (r.handler_errors + r.leaks + r.unkind)[:20]:
        print("  ", line)
    sys.exit(0 if r.ok else 1)


if __name__ == "__main__":
    main()
