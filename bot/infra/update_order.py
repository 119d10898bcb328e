"""Updates handled concurrently across people, in order for each person, fairly.

PTB handles one update at a time by default, so every database round trip of one person's tap
makes everyone else wait. Here updates from different chats run side by side, while the updates
of one chat still run one after another, in the order Telegram sent them (a second tap must not
overtake the first).

An update first passes ``admit`` (the per-person rate limit, bot/handlers/rate_limit.py), which
may drop it or put a short answer in its place, before it waits for anything. Then it waits for
its chat's turn, and only then for one of the shared slots: a chat with 500 updates queued holds
one slot, not all of them, so everybody else's updates still find a free one.

In its slot, before its handlers, an update must be seen for the first time (``first_time``,
bot/storage/handled_updates.py): one Telegram delivered again (a webhook answered slowly, a
poller's handover) is dropped there, by whichever worker sees it second. Inside the chat's
turn, so a repeat waits for the first copy's handling and never overtakes it; inside a slot,
so PTB counts it as in flight (current_concurrent_updates) while its id is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# What to run for an update instead of its handlers' coroutine, or None to drop it.
Admit = Callable[[object, Coroutine[Any, Any, Any]], Coroutine[Any, Any, Any] | None]
# Whether this update id is seen for the first time (written down as seen when it is).
FirstTime = Callable[[int], Awaitable[bool]]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = 64,
        *,
        admit: Admit | None = None,
        first_time: FirstTime | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._admit = admit
        self._first_time = first_time
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return 0

    # PTB marks process_update final: it takes the shared slot first, then calls
    # do_process_update, so one chat's queue, each waiting for its chat inside a slot, could
    # fill every slot. Here the chat's turn comes first.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        if self._admit is not None and isinstance(coroutine, Coroutine):
            admitted = self._admit(update, coroutine)
            if admitted is None:
                return
            coroutine = admitted
        key = self._key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock wakes waiters first come, first served
                async with self._semaphore:
                    if await self._seen_first(update, coroutine):
                        await self.do_process_update(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued for this chat: forget its lock
                del self._waiting[key]
                del self._locks[key]

    async def _seen_first(self, update: object, coroutine: Awaitable[Any]) -> bool:
        if self._first_time is None or not isinstance(update, Update):
            return True
        try:
            first = await self._first_time(update.update_id)
        except BaseException:  # cancelled at shutdown: the handlers' coroutine is never run
            _close(coroutine)
            raise
        if not first:
            log.info("update.duplicate update_id=%s", update.update_id)
            _close(coroutine)  # never run: nothing answered, nothing written
        return first

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _close(coroutine: Awaitable[Any]) -> None:
    if isinstance(coroutine, Coroutine):
        coroutine.close()
