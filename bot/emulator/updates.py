"""The bot's pending updates and getUpdates long polling."""

from __future__ import annotations

import asyncio
import contextlib
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


class UpdateQueue:
    """Updates waiting to be fetched; confirmed ones (offset passed them) are dropped."""

    def __init__(self) -> None:
        self._pending: deque[Json] = deque()
        self._next_id = 1
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        self._closed = False

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def last_update_id(self) -> int:
        return self._next_id - 1

    def push(self, kind: str, payload: Json) -> int:
        update_id = self._next_id
        self._next_id += 1
        self._pending.append({"update_id": update_id, kind: payload})
        self._arrived.set()
        return update_id

    def drop_pending(self) -> None:
        self._pending.clear()

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
            taken = self._take(count, kinds)
            if taken or self._closed:
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
