"""The sender: drains the outbox through PTB's Bot, recording each outcome as it happens.

Each message is marked sent right after Telegram accepts it, and its worker takes no other
message until that record is committed, so a crash can repeat at most the messages in flight
(one per worker: FOYER_SEND_CONCURRENCY), never a whole claimed batch. Records share commits
(a group commit, bot/storage/batching.py): a commit waits up to 20 ms for half the workers'
records, or for every busy worker's. There are more workers than HTTP calls in flight
(FOYER_HTTP_CONCURRENCY): the workers waiting for their records keep the group commits large
while the others send.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.kinds.safety import discreet_text
from bot.delivery.render import NothingToSend, Outgoing, render
from bot.i18n import use_language
from bot.runtime import Runtime
from bot.storage import erasable, outbox, people, personal_data
from bot.storage.batching import Batcher
from bot.storage.outbox import Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 200
IDLE_POLL_SECONDS = 1.0
RECORD_LINGER_SECONDS = 0.02


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


@dataclass(frozen=True)
class _Sent:
    """A message Telegram accepted, waiting for its group commit."""

    item: Claimed
    out: Outgoing
    message_id: int


class Sender:
    def __init__(self, rt: Runtime, bot: Bot) -> None:
        self.rt = rt
        self.bot = bot
        self._in_flight: set[int] = set()
        self._slots = asyncio.Semaphore(rt.settings.send_concurrency)
        self._stopping = False
        self._busy = 0  # workers holding a message, sending it or waiting for its record
        # A commit waits a moment for half the workers' records, or for every busy worker's:
        # each statement costs far more than a row, and the others keep sending meanwhile.
        half = max(1, rt.settings.send_concurrency // 2)
        self._record: Batcher[_Sent, None] = Batcher(
            self._record_batch,
            "sender.recorder",
            fill=lambda: min(half, self._busy),
            linger=RECORD_LINGER_SECONDS,
        )
        # After a 429, one send at a time until Telegram accepts one again.
        self._cautious = False
        self._one_at_a_time = asyncio.Lock()

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
        await self.rt.flood.wait()

    async def _deliver(self, item: Claimed) -> None:
        async with self._slots:
            self._busy += 1
            try:
                await self._deliver_now(item)
            finally:
                self._busy -= 1

    async def _deliver_now(self, item: Claimed) -> None:
        await self._wait_flood()
        if self._stopping:
            return
        try:
            out = await render(item, self.rt)
        except NothingToSend:
            await self._final(item, outbox.FAILED, "no_content")
            return
        out = self._personal(item, out)
        # Again, right before sending: another worker may have met a 429 while we rendered.
        await self._wait_flood()
        try:
            message = await self._send_guarded(item.chat_id, out)
        except RetryAfter as exc:
            await self._flood_wait(item, _seconds(exc.retry_after))
        except Forbidden:
            await self._blocked(item)
        except BadRequest as exc:
            log.error("sender.bad_request outbox=%s kind=%s", item.id, item.kind)
            await self._final(item, outbox.FAILED, f"bad_request:{type(exc).__name__}")
        except (NetworkError, TelegramError) as exc:
            await self._retry(item, type(exc).__name__)
        except NothingToSend:
            await self._final(item, outbox.FAILED, "no_content")
        except Exception as exc:  # a bug of ours: back off like a network error, never spin
            log.error("sender.unexpected outbox=%s error=%s", item.id, type(exc).__name__)
            await self._retry(item, type(exc).__name__)
        else:
            await self._record_sent(item, out, message.message_id)
            log.debug("sender.sent outbox=%s", item.id)

    async def _record_sent(self, item: Claimed, out: Outgoing, message_id: int) -> None:
        """Wait until this message is recorded as sent, in whichever group commit takes it."""
        await self._record(_Sent(item, out, message_id))

    async def _record_batch(self, batch: Sequence[_Sent]) -> list[None]:
        now = self.rt.clock.now()
        async with self.rt.engine.begin() as conn:
            await outbox.mark_sent_many(conn, [(s.item.id, s.message_id) for s in batch], now)
            await erasable.record_many(
                conn, [r for s in batch if (r := self._erasable_row(s, now))]
            )
            for s in batch:
                if s.item.kind == personal_data.CONTACT_KIND:
                    # The handle in a contact request is forgotten once it arrived.
                    await personal_data.clear_contact_ref(conn, s.item.id)
        return [None] * len(batch)

    def _personal(self, item: Claimed, out: Outgoing) -> Outgoing:
        """Discreet mode and silent notifications, as the recipient chose them."""
        if item.discreet and out.programme:
            with use_language(item.language or self.rt.settings.default_language):
                text = discreet_text(out.text, weekly=item.week is not None)
            out = replace(out, text=text, protect_content=True)
        if item.silent:
            out = replace(out, disable_notification=True)
        return out

    @staticmethod
    def _erasable_row(s: _Sent, now: datetime) -> dict[str, object] | None:
        """What /erase and auto-erase may delete later: programme messages to a person."""
        if not s.out.programme or s.item.person_id is None:
            return None
        hours = s.item.auto_erase_hours
        return {
            "person_id": s.item.person_id,
            "chat_id": s.item.chat_id,
            "message_id": s.message_id,
            "sent_at": now,
            "erase_at": now + timedelta(hours=hours) if hours else None,
        }

    async def _send_guarded(self, chat_id: int, out: Outgoing) -> Message:
        """Workers released together when a flood wait ends would all meet the next 429 at
        once; so until one send is accepted again, they go one by one."""
        if not self._cautious:
            return await self._send(chat_id, out)
        async with self._one_at_a_time:
            await self._wait_flood()
            message = await self._send(chat_id, out)
            self._cautious = False
            return message

    async def _send(self, chat_id: int, out: Outgoing) -> Message:
        common = dict(
            chat_id=chat_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(out),
            # None, not False: Telegram's default, and one field less to encode and check.
            protect_content=out.protect_content or None,
            disable_notification=out.disable_notification or None,
        )
        if out.media is None:
            return await self.bot.send_message(text=out.text, **common)  # type: ignore[arg-type]
        kind, file_id = out.media
        caption = out.text or None
        if kind == "photo":
            return await self.bot.send_photo(photo=file_id, caption=caption, **common)  # type: ignore[arg-type]
        if kind == "voice":
            return await self.bot.send_voice(voice=file_id, caption=caption, **common)  # type: ignore[arg-type]
        if kind == "audio":
            return await self.bot.send_audio(audio=file_id, caption=caption, **common)  # type: ignore[arg-type]
        raise NothingToSend(kind)

    async def _flood_wait(self, item: Claimed, seconds: float) -> None:
        self.rt.flood.close_for(seconds)  # the HTTP client closed it already; this is the same
        self._cautious = True
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
