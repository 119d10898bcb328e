"""The sender: drains the outbox through PTB's Bot, recording each outcome as it happens.

Each message is marked sent in its own small commit right after Telegram accepts it, so a crash
can repeat at most the messages in flight (one per worker), never a whole batch.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.render import NothingToSend, Outgoing, render
from bot.runtime import Runtime
from bot.storage import outbox, people
from bot.storage.outbox import Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 200
IDLE_POLL_SECONDS = 1.0


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 10 minutes."""
    base = min(2 ** (attempts + 1), 600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(out: Outgoing) -> InlineKeyboardMarkup | None:
    if not out.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in out.buttons
        ]
    )


class Sender:
    def __init__(self, rt: Runtime, bot: Bot) -> None:
        self.rt = rt
        self.bot = bot
        self._in_flight: set[int] = set()
        self._resume_at = 0.0  # loop time before which nobody sends (Telegram's flood wait)
        self._slots = asyncio.Semaphore(rt.settings.send_concurrency)
        self._stopping = False

    def stop(self) -> None:
        """Finish the messages in flight, start no new ones (a clean stop sends nothing twice)."""
        self._stopping = True
        self.rt.wake_sender()

    async def run(self) -> None:
        """Drain until stopped; sleep until woken by the planner or a retry comes due."""
        while not self._stopping:
            try:
                done = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the loop alive; the outbox keeps every item safe
                log.exception("sender.drain_failed")
                done = 0
            if done == 0 and not self._stopping:
                self.rt.outbox_signal.clear()
                try:
                    await asyncio.wait_for(self.rt.outbox_signal.wait(), IDLE_POLL_SECONDS)
                except TimeoutError:
                    pass

    async def drain_once(self) -> int:
        now = self.rt.clock.now()
        async with self.rt.engine.begin() as conn:
            expired = await outbox.expire_stale(
                conn, now - timedelta(hours=self.rt.settings.grace_hours)
            )
            batch = await outbox.claim_due(conn, now, BATCH, exclude=list(self._in_flight))
        if expired:
            log.info("sender.expired rows=%s", expired)
        if not batch:
            return 0
        self._in_flight.update(item.id for item in batch)
        try:
            await asyncio.gather(*(self._deliver(item) for item in batch))
        finally:
            self._in_flight.difference_update(item.id for item in batch)
        return len(batch)

    async def _wait_flood(self) -> None:
        loop = asyncio.get_running_loop()
        # A loop, not one sleep: another 429 may push the resume time further while we wait.
        while (delay := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    async def _deliver(self, item: Claimed) -> None:
        async with self._slots:
            await self._wait_flood()
            if self._stopping:
                return
            try:
                out = await render(item, self.rt)
            except NothingToSend:
                await self._final(item, outbox.FAILED, "no_content")
                return
            try:
                message = await self._send(item.chat_id, out)
            except RetryAfter as exc:
                await self._flood_wait(item, _seconds(exc.retry_after))
            except Forbidden:
                await self._blocked(item)
            except BadRequest as exc:
                log.error("sender.bad_request outbox=%s kind=%s", item.id, item.kind)
                await self._final(item, outbox.FAILED, f"bad_request:{type(exc).__name__}")
            except (NetworkError, TelegramError) as exc:
                await self._retry(item, type(exc).__name__)
            else:
                async with self.rt.engine.begin() as conn:
                    await outbox.mark_sent(conn, item.id, message.message_id, self.rt.clock.now())
                log.debug("sender.sent outbox=%s", item.id)

    async def _send(self, chat_id: int, out: Outgoing) -> Message:
        common = dict(
            chat_id=chat_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(out),
            protect_content=out.protect_content,
            disable_notification=out.disable_notification,
        )
        if out.media is None:
            return await self.bot.send_message(text=out.text, **common)  # type: ignore[arg-type]
        kind, file_id = out.media
        send = {
            "photo": self.bot.send_photo,
            "voice": self.bot.send_voice,
            "audio": self.bot.send_audio,
        }[kind]
        return await send(file_id, caption=out.text or None, **common)  # type: ignore[operator]

    async def _flood_wait(self, item: Claimed, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._resume_at = max(self._resume_at, loop.time() + seconds)
        log.warning("sender.retry_after outbox=%s seconds=%s", item.id, seconds)
        async with self.rt.engine.begin() as conn:
            await outbox.mark_retry(
                conn,
                item.id,
                "retry_after",
                self.rt.clock.now() + timedelta(seconds=seconds),
                count=False,
            )

    async def _retry(self, item: Claimed, error: str) -> None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("sender.gave_up outbox=%s error=%s", item.id, error)
            await self._final(item, outbox.FAILED, error)
            return
        log.warning("sender.retry outbox=%s error=%s attempt=%s", item.id, error, item.attempts + 1)
        async with self.rt.engine.begin() as conn:
            await outbox.mark_retry(
                conn, item.id, error, self.rt.clock.now() + backoff(item.attempts)
            )

    async def _blocked(self, item: Claimed) -> None:
        log.info("sender.blocked outbox=%s chat=%s", item.id, item.chat_id)
        async with self.rt.engine.begin() as conn:
            await outbox.mark_final(conn, item.id, outbox.BLOCKED, "forbidden")
            await people.mark_blocked(conn, item.chat_id)

    async def _final(self, item: Claimed, status: str, error: str) -> None:
        async with self.rt.engine.begin() as conn:
            await outbox.mark_final(conn, item.id, status, error)
