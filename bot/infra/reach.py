"""Reaching the Bot API at start: a bot on a flaky rural connection waits for the network.

`foyer run` asks Telegram who the bot is (getMe) before anything else. While the Bot API cannot
be reached (no network, DNS down, a 5xx, a timeout) it says so in one line per attempt and tries
again after 1, 2, 4 ... seconds, never more than a minute apart, and serves as soon as an answer
comes. A refused token (401, or 404 for a wrong FOYER_BOT_API_URL) is not a network problem:
``InvalidToken`` goes up at once, for one line and exit code 2.
"""

from __future__ import annotations

import asyncio
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
