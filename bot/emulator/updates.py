"""The bot's pending updates: getUpdates long polling, or the webhook's next update
(webhook.py), and Telegram's redelivery of an update already delivered."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any

from bot.emulator.errors import ApiError

Json = dict[str, Any]

# Kinds Telegram delivers when allowed_updates is empty or absent.
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
    }
)
MAX_LIMIT = 100
DELIVERED_KEPT = 10_000  # the latest delivered updates, for redeliver()


def first_update_id() -> int:
    """Where this emulator's update ids start. Telegram's keep growing over a bot's life, and
    Foyer remembers the ids it handled for a day (handled_update): an emulator restarted on a
    kept database (the sandbox, a test's or a campaign's next run) must not start again at 1.
    The clock in microseconds: past every id of an earlier run (none makes one a microsecond).
    """
    return time.time_ns() // 1_000


class UpdateQueue:
    """Updates waiting to be fetched; confirmed ones (offset passed them) are dropped.

    ``redeliver(update_id)`` hands an update already delivered to the bot once more, before
    any other, as Telegram does after a webhook's slow answer or to the next poller after a
    poller died before confirming it."""

    def __init__(self) -> None:
        self._pending: deque[Json] = deque()
        self._again: deque[Json] = deque()
        self._delivered: dict[int, Json] = {}
        self._new = asyncio.Event()  # something to deliver (webhook.py waits for it)
        self._next_id = first_update_id()
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        self._closed = False

    @property
    def pending_count(self) -> int:
        return len(self._pending) + len(self._again)

    @property
    def last_update_id(self) -> int:
        return self._next_id - 1

    def push(self, kind: str, payload: Json) -> int:
        update_id = self._next_id
        self._next_id += 1
        self._pending.append({"update_id": update_id, kind: payload})
        self._arrived.set()
        self._new.set()
        return update_id

    def drop_pending(self) -> None:
        self._pending.clear()
        self._again.clear()

    def delivered(self, update_id: int) -> Json:
        """An update as it was delivered (KeyError if it was not, or too long ago)."""
        return self._delivered[update_id]

    def redeliver(self, update_id: int) -> None:
        self._again.append(self.delivered(update_id))
        self._arrived.set()
        self._new.set()

    def _note_delivered(self, update: Json) -> None:
        self._delivered[update["update_id"]] = update
        if len(self._delivered) > DELIVERED_KEPT:
            del self._delivered[next(iter(self._delivered))]

    async def next_update(self, allowed: list[str] | None) -> Json:
        """The next update for the webhook, left in place until ``confirm_next``."""
        kinds = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        while True:
            self._new.clear()
            if self._again:
                return self._again[0]
            taken = self._take(1, kinds)
            if taken:
                return taken[0]
            await self._new.wait()

    def confirm_next(self, update: Json) -> None:
        """The webhook answered 2xx for ``update``, the head of the queue."""
        if self._again and self._again[0] is update:
            self._again.popleft()
        elif self._pending and self._pending[0] is update:
            self._pending.popleft()
        self._note_delivered(update)

    def close(self) -> None:
        """Release every long poll (server shutdown)."""
        self._closed = True
        self._arrived.set()

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # Telegram: the last -offset updates, earlier ones are forgotten
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    def _take(self, limit: int, allowed: frozenset[str]) -> list[Json]:
        taken: list[Json] = []
        for update in list(self._pending):
            kind = next(k for k in update if k != "update_id")
            if kind not in allowed:
                self._pending.remove(update)  # Telegram never stores filtered-out kinds
                continue
            taken.append(update)
            if len(taken) >= limit:
                break
        return taken

    async def get(
        self, offset: int | None, limit: int | None, timeout: int | None, allowed: list[str] | None
    ) -> list[Json]:
        """getUpdates: return at once if something is pending, else wait up to ``timeout``."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._arrived.set()  # wakes an earlier poll, which then ends with 409 Conflict
        if offset is not None:
            self._confirm(offset)
        count = min(max(limit or MAX_LIMIT, 1), MAX_LIMIT)
        kinds = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout or 0, 0)
        while True:
            again, self._again = list(self._again), deque()
            taken = again + self._take(count, kinds)
            if taken or self._closed:
                for update in taken:
                    self._note_delivered(update)
                return taken
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
