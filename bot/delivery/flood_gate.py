"""Telegram's flood wait (429 retry_after), honoured by every call at the moment it is sent.

The sender alone cannot honour it: with several messages in flight, another worker may already
be past its own check when the 429 comes back, and python-telegram-bot hands the 429 to Foyer
only after httpcore has read the answer and given its connection to the next request. So the
gate sits in the HTTP client: it closes as soon as a 429's headers arrive, and every request
waits for it after it has its connection and right before its first byte goes out. Only a
request already on the wire when Telegram answered 429 can arrive inside the wait, and
Telegram refuses that one too.

The same client caps the calls in flight (FOYER_HTTP_CONCURRENCY). httpcore looks at every
pooled connection for each request it places, so 64 concurrent calls cost each call twice the
CPU of one at a time (docs/performance.md); four in flight already carry Telegram's 30 messages
a second up to a 130 ms round trip, and the others wait here, in order, at no cost.
"""

from __future__ import annotations

import asyncio
import json
import time
from http.cookiejar import CookieJar
from typing import Any

import httpx
from telegram.request import HTTPXRequest

# Telegram's shortest wait; the gate holds at least this long while the answer's body is read.
_MIN_WAIT = 1.0
_BEFORE_SEND = "http11.send_request_headers.started"


class FloodGate:
    def __init__(self) -> None:
        self._until = 0.0  # time.monotonic() before which nothing is sent

    def close_for(self, seconds: float) -> None:
        self._until = max(self._until, time.monotonic() + seconds)

    @property
    def remaining(self) -> float:
        return max(0.0, self._until - time.monotonic())

    async def wait(self) -> None:
        # A loop, not one sleep: another 429 may push the end further while we wait.
        while (delay := self._until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)


def retry_after(body: bytes) -> float:
    try:
        value = json.loads(body)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return _MIN_WAIT
    return float(value) if isinstance(value, int | float) and value > 0 else _MIN_WAIT


class _NoCookies(CookieJar):
    """The Bot API sets no cookies, and a bot has no business keeping any."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def add_cookie_header(self, request: Any) -> None:
        return None


class GatedRequest(HTTPXRequest):
    """python-telegram-bot's HTTP client with at most ``in_flight`` calls at once.

    It also hands httpx each method's URL already parsed: PTB builds the URL as a string for
    every call, and httpx's pure-Python URL parser cost about 3 % of a send
    (docs/performance.md, fifth round). There are a few dozen methods, so the cache stays small.
    """

    def __init__(self, in_flight: int, **options: Any) -> None:
        super().__init__(connection_pool_size=in_flight, **options)
        self._slots = asyncio.Semaphore(in_flight)
        self._urls: dict[str, httpx.URL] = {}

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        # Waiting here costs no pool timeout: httpx's clocks start once a slot is free.
        async with self._slots:
            return await super().do_request(parsed, *args, **kwargs)  # type: ignore[arg-type]


def gated_request(gate: FloodGate, in_flight: int, **options: Any) -> GatedRequest:
    """The bot's HTTP client (every call but getUpdates): the flood gate before each send,
    and at most ``in_flight`` calls at once."""

    async def trace(event: str, _info: dict[str, Any]) -> None:
        if event == _BEFORE_SEND:
            await gate.wait()

    async def on_request(request: httpx.Request) -> None:
        request.extensions["trace"] = trace

    async def on_response(response: httpx.Response) -> None:
        if response.status_code == 429:
            gate.close_for(_MIN_WAIT)  # at once: the body is still on its way
            await response.aread()
            gate.close_for(retry_after(response.content))

    hooks = {"request": [on_request], "response": [on_response]}
    return GatedRequest(
        in_flight, httpx_kwargs={"event_hooks": hooks, "cookies": _NoCookies()}, **options
    )
