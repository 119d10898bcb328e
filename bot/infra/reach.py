"""Reaching the Bot API at start: a bot on a flaky rural connection waits for the network.

`foyer run` asks Telegram who the bot is (getMe) before anything else. While the Bot API cannot
be reached (no network, DNS down, a 5xx, a timeout) it says so in one line per attempt and tries
again after 1, 2, 4 ... seconds, never more than a minute apart, and serves as soon as an answer
comes. A refused token (401, or 404 for a wrong FOYER_BOT_API_URL) is not a network problem:
``InvalidToken`` goes up at once, for one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import platform
import signal
from collections.abc import Awaitable, Callable, Iterable, Iterator

from telegram.error import InvalidToken, NetworkError

FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def backoff(first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> Iterator[float]:
    """first, 2 x first, 4 x first ... never more than cap, for ever."""
    delay = first
    while True:
        yield min(delay, cap)
        delay *= 2


def unreachable(url: str, exc: NetworkError) -> str:
    """One line naming the Bot API and what went wrong (Foyer's HTTP client names the error's
    type only, so no URL, and so no token, is in it)."""
    return f"cannot reach the Bot API at {url} ({exc.message})"


async def until_reached(
    connect: Callable[[], Awaitable[None]],
    url: str,
    say: Callable[[str], None],
    delays: Iterable[float] | None = None,
) -> None:
    """Call ``connect`` until it stops raising NetworkError; InvalidToken is raised at once."""
    for delay in backoff() if delays is None else delays:
        try:
            await connect()
            return
        except InvalidToken:
            raise
        except NetworkError as exc:  # TimedOut is one too
            say(f"{unreachable(url, exc)}; trying again in {delay:g} s")
        await asyncio.sleep(delay)
    await connect()  # the given delays ran out: one last try, whose error goes up


def event_loop() -> asyncio.AbstractEventLoop:
    """The loop `foyer run` serves on (PTB's run_polling / run_webhook use the current one)."""
    try:
        return asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


def reached(
    loop: asyncio.AbstractEventLoop,
    connect: Callable[[], Awaitable[None]],
    url: str,
    say: Callable[[str], None],
) -> bool:
    """``until_reached`` on ``loop`` before PTB runs it; False when stopped (Ctrl-C, SIGTERM)
    meanwhile."""

    def stop() -> None:
        raise SystemExit

    stop_signals = (signal.SIGINT, signal.SIGTERM) if platform.system() != "Windows" else ()
    for sig in stop_signals:  # PTB installs its own once it runs
        loop.add_signal_handler(sig, stop)
    try:
        loop.run_until_complete(until_reached(connect, url, say))
    except (KeyboardInterrupt, SystemExit):
        return False
    finally:
        for sig in stop_signals:
            loop.remove_signal_handler(sig)
    return True
