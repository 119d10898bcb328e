"""The sender: drains the outbox through PTB's Bot, recording each outcome as it happens.

A few long-lived lanes (one per HTTP call in flight, FOYER_HTTP_CONCURRENCY) take claimed
messages from a queue, render and send them. A message holds one of FOYER_SEND_CONCURRENCY
permits from the moment a lane takes it until its outcome is committed, so a crash can repeat
at most that many messages, never a whole claimed batch. A lane does not wait for its record:
the recorder writes the records of many messages in one commit (it waits up to 20 ms for half
the permits' records, or for every held one's) while the lanes go on sending. The next claim
is made while the lanes still have half a batch to send, so the pipeline never runs dry.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.bot_api import inline_keyboard, send_for_id
from bot.delivery.kinds.safety import discreet_text
from bot.delivery.render import NothingToSend, Outgoing, render
from bot.i18n import use_language
from bot.runtime import Runtime
from bot.storage import erasable, outbox, people, personal_data
from bot.storage.outbox import Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 200
IDLE_POLL_SECONDS = 1.0
RECORD_LINGER_SECONDS = 0.02
_MEDIA_METHODS = {"photo": "sendPhoto", "voice": "sendVoice", "audio": "sendAudio"}


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 10 minutes."""
    base = min(2 ** (attempts + 1), 600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Outcome(enum.Enum):
    SENT = "sent"  # accepted by Telegram; its record is the recorder's
    FINAL = "final"  # written as failed
    BLOCKED = "blocked"  # the person blocked the bot: every message to them stops
    HELD_BACK = "held_back"  # still pending: a retry, a flood wait, a stop


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
        settings = rt.settings
        self._lanes = min(settings.http_concurrency, settings.send_concurrency)
        # Messages between taken and recorded: what a crash may repeat.
        self._permits = asyncio.Semaphore(settings.send_concurrency)
        self._held = 0
        self._fill = max(1, settings.send_concurrency // 2)
        self._queue: deque[Claimed] = deque()
        self._queued = asyncio.Event()  # lanes sleep on it while the queue is empty
        self._want_more = asyncio.Event()  # the queue fell to half a batch
        self._drained = asyncio.Event()  # the queue is empty
        # Queued, being sent, or waiting for a record: never claimed a second time.
        self._in_flight: set[int] = set()
        # Chats a lane is sending to: their next message waits, so each chat gets its
        # messages in the outbox's order (the week's prompt before the joint exercise).
        self._busy_chats: set[int] = set()
        self._to_record: list[_Sent] = []
        self._record_wanted = asyncio.Event()
        self._record_filled = asyncio.Event()
        self._lanes_done = False
        self._stopping = False
        # After a 429, one send at a time until Telegram accepts one again.
        self._cautious = False
        self._one_at_a_time = asyncio.Lock()

    def stop(self) -> None:
        """Finish the messages in flight, start no new ones (a clean stop sends nothing twice)."""
        self._stopping = True
        self._queued.set()
        self._want_more.set()
        self._drained.set()
        self.rt.wake_sender()

    async def run(self) -> None:
        """Claim due messages for the lanes until stopped; sleep until woken by the planner or
        a retry comes due; on stop, let the lanes finish and the recorder write the rest."""
        lanes = [
            asyncio.create_task(self._lane(), name=f"sender.lane{i}") for i in range(self._lanes)
        ]
        recorder = asyncio.create_task(self._recorder(), name="sender.recorder")
        try:
            while not self._stopping:
                # Cleared before the claim, so a wake-up during the claim is not lost.
                self.rt.outbox_signal.clear()
                wanted = BATCH - len(self._queue)
                try:
                    got = await self._claim(wanted)
                except asyncio.CancelledError:
                    raise
                except Exception:  # keep the loop alive; the outbox keeps every item safe
                    log.exception("sender.claim_failed")
                    got = 0
                if self._stopping:
                    break
                if got == 0 and not self._queue:
                    # Nothing is due: sleep until something is added, or a retry may be due.
                    await _wait_any(IDLE_POLL_SECONDS, self.rt.outbox_signal)
                elif got == 0:
                    # Nothing more yet (the planner may still be writing): look again when
                    # the lanes run dry or something is added.
                    await _wait_any(IDLE_POLL_SECONDS, self.rt.outbox_signal, self._drained)
                elif len(self._queue) > BATCH // 2:
                    await self._want_more.wait()
            await asyncio.gather(*lanes)
            self._lanes_done = True
            self._record_wanted.set()
            await recorder
        finally:
            for task in (*lanes, recorder):
                task.cancel()
            self._in_flight.difference_update(item.id for item in self._queue)
            self._queue.clear()

    async def _claim(self, wanted: int) -> int:
        now = self.rt.clock.now()
        async with self.rt.engine.begin() as conn:
            expired = await outbox.expire_stale(
                conn, now - timedelta(hours=self.rt.settings.grace_hours)
            )
            batch = await outbox.claim_due(conn, now, wanted, exclude=list(self._in_flight))
        if expired:
            log.info("sender.expired rows=%s", expired)
        if batch and not self._stopping:
            self._in_flight.update(item.id for item in batch)
            self._queue.extend(batch)
            self._want_more.clear()
            self._drained.clear()
            self._queued.set()
        return len(batch)

    async def _take(self) -> Claimed | None:
        """The next queued message for a chat no lane is sending to, or None when stopping."""
        while not self._stopping:
            index = self._next_free()
            if index is not None:
                item = self._queue[index]
                del self._queue[index]
                self._busy_chats.add(item.chat_id)
                self._queue_shrank()
                return item
            self._queued.clear()
            if not self._queue:
                self._drained.set()
            await self._queued.wait()  # set by a claim, or by a chat coming free
        return None

    def _next_free(self) -> int | None:
        for index, item in enumerate(self._queue):
            if item.chat_id not in self._busy_chats:
                return index
        return None

    def _chat_free(self, item: Claimed, outcome: _Outcome) -> None:
        """A lane is done sending ``item``. If it was held back for a retry, the chat's later
        queued messages go back to the outbox too (the claim leaves them until it is sent);
        if the person blocked the bot, they are dropped (their rows are marked blocked)."""
        self._busy_chats.discard(item.chat_id)
        if outcome in (_Outcome.HELD_BACK, _Outcome.BLOCKED):
            later = [q for q in self._queue if q.chat_id == item.chat_id]
            for q in later:
                self._queue.remove(q)
                self._in_flight.discard(q.id)
            self._queue_shrank()
        self._queued.set()

    def _queue_shrank(self) -> None:
        # The claim loop waits for this whenever more than half a batch is queued.
        if len(self._queue) <= BATCH // 2:
            self._want_more.set()

    async def _lane(self) -> None:
        while True:
            await self._permits.acquire()
            item = await self._take()
            if item is None:
                self._permits.release()
                return
            self._held += 1
            outcome = _Outcome.FINAL
            try:
                outcome = await self._deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed outcome write: the row stays pending and is retried
                log.exception("sender.outcome_failed outbox=%s", item.id)
                outcome = _Outcome.HELD_BACK
            finally:
                self._chat_free(item, outcome)
                if outcome is not _Outcome.SENT:
                    self._release(item)

    def _release(self, item: Claimed) -> None:
        """This message's outcome is written (or given up on): its permit is free again."""
        self._in_flight.discard(item.id)
        self._held -= 1
        self._permits.release()
        if self._to_record and len(self._to_record) >= self._fill_now():
            self._record_filled.set()

    def _fill_now(self) -> int:
        return max(1, min(self._fill, self._held))

    async def _recorder(self) -> None:
        """Group commits of sent messages: each waits a moment for more records, since each
        statement costs far more than a row, and the lanes keep sending meanwhile."""
        while True:
            await self._record_wanted.wait()
            if not self._to_record:
                if self._lanes_done:
                    return
                self._record_wanted.clear()
                continue
            if len(self._to_record) < self._fill_now() and not self._lanes_done:
                self._record_filled.clear()
                await _wait_any(RECORD_LINGER_SECONDS, self._record_filled)
            batch, self._to_record = self._to_record, []
            try:
                await self._record_batch(batch)
            except asyncio.CancelledError:
                raise
            except Exception:  # not recorded, so still pending: sent again, never lost
                log.exception("sender.record_failed rows=%s", len(batch))
            finally:
                for s in batch:
                    self._release(s.item)

    async def _wait_flood(self) -> None:
        await self.rt.flood.wait()

    async def _deliver(self, item: Claimed) -> _Outcome:
        """Send one message and write what happened. SENT leaves its record to the recorder
        (the permit goes with it); HELD_BACK means it stays pending, for later."""
        await self._wait_flood()
        if self._stopping:
            return _Outcome.HELD_BACK
        try:
            out = await render(item, self.rt)
        except NothingToSend:
            await self._final(item, outbox.FAILED, "no_content")
            return _Outcome.FINAL
        out = self._personal(item, out)
        # Again, right before sending: another lane may have met a 429 while we rendered.
        await self._wait_flood()
        try:
            message_id = await self._send_guarded(item.chat_id, out)
        except RetryAfter as exc:
            await self._flood_wait(item, _seconds(exc.retry_after))
            return _Outcome.HELD_BACK
        except Forbidden:
            await self._blocked(item)
            return _Outcome.BLOCKED
        except BadRequest as exc:
            log.error("sender.bad_request outbox=%s kind=%s", item.id, item.kind)
            await self._final(item, outbox.FAILED, f"bad_request:{type(exc).__name__}")
        except (NetworkError, TelegramError) as exc:
            return await self._retry(item, type(exc).__name__)
        except NothingToSend:
            await self._final(item, outbox.FAILED, "no_content")
        except Exception as exc:  # a bug of ours: back off like a network error, never spin
            log.error("sender.unexpected outbox=%s error=%s", item.id, type(exc).__name__)
            return await self._retry(item, type(exc).__name__)
        else:
            self._to_record.append(_Sent(item, out, message_id))
            self._record_wanted.set()
            if len(self._to_record) >= self._fill_now():
                self._record_filled.set()
            log.debug("sender.sent outbox=%s", item.id)
            return _Outcome.SENT
        return _Outcome.FINAL

    async def _record_batch(self, batch: Sequence[_Sent]) -> None:
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

    async def _send_guarded(self, chat_id: int, out: Outgoing) -> int:
        """Lanes released together when a flood wait ends would all meet the next 429 at
        once; so until one send is accepted again, they go one by one."""
        if not self._cautious:
            return await self._send(chat_id, out)
        async with self._one_at_a_time:
            await self._wait_flood()
            message_id = await self._send(chat_id, out)
            self._cautious = False
            return message_id

    async def _send(self, chat_id: int, out: Outgoing) -> int:
        params: dict[str, Any] = {"chat_id": chat_id, "parse_mode": "HTML"}
        if (markup := inline_keyboard(out.buttons)) is not None:
            params["reply_markup"] = markup
        # Absent, not False: Telegram's default, and one field less to encode and check.
        if out.protect_content:
            params["protect_content"] = True
        if out.disable_notification:
            params["disable_notification"] = True
        if out.media is None:
            params["text"] = out.text
            return await send_for_id(self.bot, "sendMessage", params)
        kind, file_id = out.media
        method = _MEDIA_METHODS.get(kind)
        if method is None:
            raise NothingToSend(kind)
        params[kind] = file_id
        if out.text:
            params["caption"] = out.text
        return await send_for_id(self.bot, method, params)

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

    async def _retry(self, item: Claimed, error: str) -> _Outcome:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("sender.gave_up outbox=%s error=%s", item.id, error)
            await self._final(item, outbox.FAILED, error)
            return _Outcome.FINAL
        log.warning("sender.retry outbox=%s error=%s attempt=%s", item.id, error, item.attempts + 1)
        async with self.rt.engine.begin() as conn:
            await outbox.mark_retry(
                conn, item.id, error, self.rt.clock.now() + backoff(item.attempts)
            )
        return _Outcome.HELD_BACK

    async def _blocked(self, item: Claimed) -> None:
        log.info("sender.blocked outbox=%s chat=%s", item.id, item.chat_id)
        async with self.rt.engine.begin() as conn:
            await outbox.mark_final(conn, item.id, outbox.BLOCKED, "forbidden")
            await people.mark_blocked(conn, item.chat_id)

    async def _final(self, item: Claimed, status: str, error: str) -> None:
        async with self.rt.engine.begin() as conn:
            await outbox.mark_final(conn, item.id, status, error)


async def _wait_any(seconds: float, *events: asyncio.Event) -> None:
    """Until one of the events is set, or the time runs out."""
    if len(events) == 1:
        try:
            await asyncio.wait_for(events[0].wait(), seconds)
        except TimeoutError:
            pass
        return
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
