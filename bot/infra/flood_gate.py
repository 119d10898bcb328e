"""Telegram's flood wait (429 retry_after), honoured by every call at the moment it is sent.

The sender alone cannot honour it: with several messages in flight, another one may already
be past its own check when the 429 comes back, and python-telegram-bot raises RetryAfter into
Foyer only after the HTTP client has read the answer and handed its connection to the next
request. So the gate sits in the HTTP client (bot/infra/http_client.py): it closes as soon
as a 429's status line is read, and every request waits for it after it has its connection and
right before its first byte goes out. Only a request already on the wire when Telegram answered
429 can arrive inside the wait, and Telegram refuses that one too.

A 429 holds either every call (the bot's global limit) or only the calls to one chat (about
one message a second in a chat). Telegram does not say which; ``scope_of_429`` decides it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict, deque

# Telegram's shortest wait; the gate holds at least this long while the answer's body is read.
MIN_WAIT = 1.0
# A 429 for a chat that Telegram accepted this many new messages for within this many seconds
# is that chat's own limit (Telegram's "about one message a second in a chat"; edits, which
# answer button presses, do not count). The emulator's per-chat limit (bot/emulator/faults.py,
# ChatLimit) refuses the call after the same count.
CHAT_BURST = 3
CHAT_WINDOW = 3.0

ChatId = int | str


def _key(chat_id: ChatId) -> str:
    # One key whether a caller passes 42 or the "42" of a request's encoded parameters.
    return str(chat_id)


class FloodGate:
    def __init__(self) -> None:
        self._until = 0.0  # time.monotonic() before which nothing is sent
        # Per-chat gates: chat -> time before which nothing goes to that chat. Kept for
        # CHAT_WINDOW after they open (a 429 right after one is the same chat's limit again).
        self._chats: dict[str, float] = {}
        # The last CHAT_BURST accepted calls of each chat written to within CHAT_WINDOW, the
        # least recently written first, so the idle ones are forgotten from the front.
        self._accepted: OrderedDict[str, deque[float]] = OrderedDict()

    # --- closing ----------------------------------------------------------------------------

    def close_for(self, seconds: float, *, chat_id: ChatId | None = None) -> None:
        """Hold every call for ``seconds``, or only the calls to ``chat_id``."""
        until = time.monotonic() + seconds
        if chat_id is None:
            self._until = max(self._until, until)
            return
        self._forget_open_chats()
        key = _key(chat_id)
        self._chats[key] = max(self._chats.get(key, 0.0), until)

    def scope_of_429(self, chat_id: ChatId | None) -> ChatId | None:
        """Which calls a 429 for a call to ``chat_id`` holds: that chat's, or all (None).

        Telegram's answer does not say whether it is the bot's limit or the chat's. Only a chat
        Foyer has just sent new messages to quickly (CHAT_BURST within CHAT_WINDOW), or one that
        was held for its own 429 a moment ago, can be at the chat's limit; any other 429 (a chat
        barely written to, or a call that names no chat, such as answerCallbackQuery) is taken
        as the bot's limit and holds everyone. So is a 429 while another chat is held: one
        person's limit does not refuse two chats at once. Wrongly taking a global 429 for a
        chat's costs one more 429, from the next call to another chat, which then closes it
        for all.
        """
        if chat_id is None:
            return None
        key = _key(chat_id)
        now = time.monotonic()
        if any(k != key and now < until for k, until in self._chats.items()):
            return None
        held_until = self._chats.get(key)
        if held_until is not None and now < held_until + CHAT_WINDOW:
            return chat_id
        recent = self._accepted.get(key)
        if recent is not None and len(recent) == CHAT_BURST and recent[0] > now - CHAT_WINDOW:
            return chat_id
        return None

    def note_accepted(self, chat_id: ChatId, *, new_message: bool = True) -> None:
        """Telegram accepted a call to this chat; new messages are what scope_of_429 counts."""
        now = time.monotonic()
        if not new_message:
            return
        key = _key(chat_id)
        recent = self._accepted.pop(key, None)
        if recent is None:
            recent = deque(maxlen=CHAT_BURST)
        recent.append(now)
        self._accepted[key] = recent  # now the most recently written
        # Forget the chats not written to within the window: the state stays as small as the
        # number of chats written to in the last few seconds.
        while self._accepted:
            oldest = next(iter(self._accepted.values()))
            if oldest[-1] > now - CHAT_WINDOW:
                break
            self._accepted.popitem(last=False)

    def _forget_open_chats(self) -> None:
        now = time.monotonic()
        for key in [k for k, until in self._chats.items() if until + CHAT_WINDOW <= now]:
            del self._chats[key]

    # --- waiting ----------------------------------------------------------------------------

    @property
    def remaining(self) -> float:
        """Seconds until every call may go again (the global gate)."""
        return max(0.0, self._until - time.monotonic())

    def remaining_for(self, chat_id: ChatId) -> float:
        """Seconds until a call to ``chat_id`` may go (its own gate or the global one)."""
        return max(0.0, self._until_for(_key(chat_id)) - time.monotonic())

    def _until_for(self, key: str | None) -> float:
        if key is None:
            return self._until
        return max(self._until, self._chats.get(key, 0.0))

    async def wait(self, *, chat_id: ChatId | None = None) -> None:
        """Until the global gate is open and, given a chat, that chat's gate too."""
        key = None if chat_id is None else _key(chat_id)
        # A loop, not one sleep: another 429 may push the end further while we wait.
        while (delay := self._until_for(key) - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)


def retry_after(body: bytes) -> float:
    try:
        value = json.loads(body)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return MIN_WAIT
    return float(value) if isinstance(value, int | float) and value > 0 else MIN_WAIT
