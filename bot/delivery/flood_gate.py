"""Telegram's flood wait (429 retry_after), honoured by every call at the moment it is sent.

The sender alone cannot honour it: with several messages in flight, another one may already
be past its own check when the 429 comes back, and python-telegram-bot raises RetryAfter into
Foyer only after the HTTP client has read the answer and handed its connection to the next
request. So the gate sits in the HTTP client (bot/delivery/http_client.py): it closes as soon
as a 429's status line is read, and every request waits for it after it has its connection and
right before its first byte goes out. Only a request already on the wire when Telegram answered
429 can arrive inside the wait, and Telegram refuses that one too.
"""

from __future__ import annotations

import asyncio
import json
import time

# Telegram's shortest wait; the gate holds at least this long while the answer's body is read.
MIN_WAIT = 1.0


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
        return MIN_WAIT
    return float(value) if isinstance(value, int | float) and value > 0 else MIN_WAIT
