"""The sender: drains the outbox through PTB's Bot.

The promises, and what keeps each:

- **Nothing is sent that could not be recorded.** The claim marks its rows ``sending`` in the
  database before any of them goes out; when that write fails, nothing is sent. A row this
  process holds as ``sending`` is never claimed again, so a send whose outcome cannot be
  written yet is kept in memory and written later, never repeated. While the database refuses
  writes the sender pauses, says so in one line, and resumes by itself (``_Pause``).
- **A crash repeats at most FOYER_SEND_CONCURRENCY messages**: a message holds one of that many
  permits from the moment a lane takes it until its outcome is committed. At start, rows a dead
  process left ``sending`` go back to pending (one sender per SQLite database: ``foyer run``
  holds a lock on it).
- **Each chat gets its messages in the outbox's order**: a claim never takes a row of a chat
  that has one being sent or waiting for a retry, and one lane sends a chat's claimed rows one
  after another. When one is held back (a retry, a flood wait) or the person blocked Foyer,
  the chat's later rows go back to the outbox (or are marked blocked) with it.
- Flood waits are honoured in the HTTP client (bot/infra/flood_gate.py); network errors
  and 5xx are retried with backoff; Forbidden marks the person blocked.

Synchronisation: the permits (a semaphore), a queue of claimed chats for the lanes, a queue of
outcomes for the recorder, and an event that tells the claim loop there is room for more.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.kinds.safety import discreet_text
from bot.delivery.render import NothingToSend, Outgoing, Renderer, render
from bot.domain.outbox_kinds import OutboxKind, useful_for
from bot.i18n import use_language
from bot.infra.bot_api import inline_keyboard, send_for_id
from bot.runtime import Runtime
from bot.storage import erasable, outbox, people, personal_data
from bot.storage.outbox import Claimed, Settled

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


@dataclass(frozen=True)
class _Outcome:
    """What happened to one claimed message; the recorder writes it. ``sent`` carries the
    message id; otherwise ``settled`` says how the row changes. ``permit``: a lane took it."""

    item: Claimed
    sent: tuple[Outgoing, int] | None = None
    settled: Settled | None = None
    permit: bool = True


class _Pause:
    """Whether the database refuses the sender's writes (its claims, its records): one log
    line when that starts, one when a write works again, and a growing wait between tries, so
    a full disk never becomes a storm of messages or of log lines."""

    QUIET_SECONDS = 60.0  # a database that comes and goes is said once a minute at most

    def __init__(self) -> None:
        self._failing = False
        self._delay = 0.5
        self._since = 0.0
        self._said = -self.QUIET_SECONDS
        self._writable = asyncio.Event()  # cuts every wait short once a write works again

    async def failed(self, step: str, exc: BaseException) -> None:
        now = time.monotonic()
        if not self._failing:
            self._failing, self._since = True, now
            self._writable.clear()
            if now - self._said >= self.QUIET_SECONDS:
                self._said = now
                log.warning("sender.paused step=%s error=%s", step, type(exc).__name__)
        delay, self._delay = self._delay, min(self._delay * 2, 30.0)
        await _wait(delay, self._writable)

    def ok(self) -> None:
        if self._failing:
            self._failing, self._delay = False, 0.5
            self._writable.set()
            if self._said >= self._since:
                log.warning("sender.resumed after_s=%.0f", time.monotonic() - self._since)


class Sender:
    def __init__(self, rt: Runtime, bot: Bot, renderers: Mapping[str, Renderer]) -> None:
        self.rt = rt
        self.bot = bot
        self.renderers = renderers  # checked at start-up: every kind has its one renderer
        settings = rt.settings
        self._lanes = min(settings.http_concurrency, settings.send_concurrency)
        self._permits = asyncio.Semaphore(settings.send_concurrency)
        self._held = 0  # permits held: messages taken and not yet recorded
        self._fill = max(1, settings.send_concurrency // 2)  # records worth one commit
        self._chats: asyncio.Queue[list[Claimed] | None] = asyncio.Queue()
        self._queued = 0  # messages in _chats
        self._room = asyncio.Event()  # _queued fell to half a batch: claim more
        self._records: asyncio.Queue[_Outcome | None] = asyncio.Queue()
        self._pause = _Pause()
        self._stopping = False

    def stop(self) -> None:
        """Finish the messages in flight, start no new ones (a clean stop sends nothing twice)."""
        self._stopping = True
        self._room.set()
        self.rt.wake_sender()

    async def run(self) -> None:
        lanes = [
            asyncio.create_task(self._lane(), name=f"sender.lane{i}") for i in range(self._lanes)
        ]
        recorder = asyncio.create_task(self._recorder(), name="sender.recorder")
        try:
            await self._until_written("release", _release_claims, self.rt)
            while not self._stopping:
                # Cleared before the claim, so a wake-up during the claim is not lost.
                self.rt.outbox_signal.clear()
                try:
                    got = await self._claim(BATCH - self._queued)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # nothing was marked, so nothing will be sent
                    await self._pause.failed("claim", exc)
                    continue
                self._pause.ok()
                if got == 0:
                    await _wait(IDLE_POLL_SECONDS, self.rt.outbox_signal)
                elif self._queued > BATCH // 2:
                    self._room.clear()
                    await self._room.wait()
            # Stopping: claimed chats no lane took go back to the outbox.
            while not self._chats.empty():
                chat = self._chats.get_nowait()
                for item in chat or ():
                    self._records.put_nowait(_Outcome(item, settled=_release(item), permit=False))
            for _ in lanes:
                self._chats.put_nowait(None)
            await asyncio.gather(*lanes)
            self._records.put_nowait(None)
            await recorder
        finally:
            for task in (*lanes, recorder):
                task.cancel()

    async def _claim(self, wanted: int) -> int:
        now = self.rt.clock.now()
        grace = timedelta(hours=self.rt.settings.grace_hours)
        # The planner's rule (bot/domain/outbox_kinds.py), for rows that waited since.
        oldest_sent: dict[str, datetime] = {
            kind: now - useful_for(kind, grace) for kind in OutboxKind
        }
        async with self.rt.engine.begin() as conn:
            expired = await outbox.expire_stale(conn, oldest_sent, now - grace)
            batch = await outbox.claim_due(conn, now, wanted)
        if expired:
            log.info("sender.expired rows=%s", expired)
        by_chat: dict[int, list[Claimed]] = {}
        for item in batch:  # in outbox order, so each chat's list is too
            by_chat.setdefault(item.chat_id, []).append(item)
        for chat in by_chat.values():
            self._chats.put_nowait(chat)
        self._queued += len(batch)
        return len(batch)

    async def _lane(self) -> None:
        while (chat := await self._chats.get()) is not None:
            self._queued -= len(chat)
            if self._queued <= BATCH // 2:
                self._room.set()
            for n, item in enumerate(chat):
                if self._stopping:
                    outcome = _Outcome(item, settled=_release(item), permit=False)
                else:
                    await self._permits.acquire()
                    self._held += 1
                    outcome = await self._deliver(item)
                self._records.put_nowait(outcome)
                if outcome.settled is not None and outcome.settled.status != outbox.FAILED:
                    # Held back or blocked: the chat's later messages go with it.
                    for later in chat[n + 1 :]:
                        settled = _release(later)
                        if outcome.settled.status == outbox.BLOCKED:
                            settled = replace(settled, status=outbox.BLOCKED, error="forbidden")
                        self._records.put_nowait(_Outcome(later, settled=settled, permit=False))
                    break

    async def _deliver(self, item: Claimed) -> _Outcome:
        """Send one message; never raises (an error of ours is retried like a network one)."""
        try:
            await self.rt.flood.wait()  # no rendering while Telegram asks everyone to wait
            out = self._personal(item, await render(item, self.rt, self.renderers))
            message_id = await self._send(item.chat_id, out)
        except asyncio.CancelledError:
            raise
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            log.warning("sender.retry_after outbox=%s seconds=%s", item.id, seconds)
            at = self.rt.clock.now() + timedelta(seconds=seconds)
            return _Outcome(
                item, settled=Settled(item.id, outbox.PENDING, "retry_after", at, False)
            )
        except Forbidden:
            log.info("sender.blocked outbox=%s chat=%s", item.id, item.chat_id)
            return _Outcome(item, settled=Settled(item.id, outbox.BLOCKED, "forbidden"))
        except BadRequest as exc:
            log.error("sender.bad_request outbox=%s kind=%s", item.id, item.kind)
            error = f"bad_request:{type(exc).__name__}"
            return _Outcome(item, settled=Settled(item.id, outbox.FAILED, error))
        except NothingToSend:
            return _Outcome(item, settled=Settled(item.id, outbox.FAILED, "no_content"))
        except (NetworkError, TelegramError) as exc:
            return self._retry(item, type(exc).__name__)
        except Exception as exc:  # a bug of ours, or the database: back off, never spin
            log.error("sender.unexpected outbox=%s error=%s", item.id, type(exc).__name__)
            return self._retry(item, type(exc).__name__)
        log.debug("sender.sent outbox=%s", item.id)
        return _Outcome(item, sent=(out, message_id))

    def _retry(self, item: Claimed, error: str) -> _Outcome:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("sender.gave_up outbox=%s error=%s", item.id, error)
            return _Outcome(item, settled=Settled(item.id, outbox.FAILED, error))
        log.warning("sender.retry outbox=%s error=%s attempt=%s", item.id, error, item.attempts + 1)
        at = self.rt.clock.now() + backoff(item.attempts)
        return _Outcome(item, settled=Settled(item.id, outbox.PENDING, error, at))

    async def _recorder(self) -> None:
        """Group commits of outcomes: each statement costs far more than a row, so a commit
        waits a moment for more while the lanes go on sending."""
        done = False
        while not done:
            first = await self._records.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + RECORD_LINGER_SECONDS
            # Wait only for records that can still come: no more than the permits held.
            while (
                len(batch) < min(self._fill, self._held)
                and (wait := deadline - time.monotonic()) > 0
            ):
                try:
                    got = await asyncio.wait_for(self._records.get(), wait)
                except TimeoutError:
                    break
                if got is None:
                    done = True
                    break
                batch.append(got)
            await self._until_written("record", self._write, batch)
            for o in batch:
                if o.permit:
                    self._held -= 1
                    self._permits.release()
            # A chat whose message was being sent may have more waiting: claim again.
            self.rt.wake_sender()

    async def _until_written(
        self, step: str, write: Callable[..., Awaitable[None]], *args: Any
    ) -> None:
        """Kept and tried again until the database takes it: the outcome of a send is never
        forgotten, so the message is never sent again by this process."""
        while True:
            try:
                await write(*args)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._pause.failed(step, exc)
            else:
                self._pause.ok()
                return

    async def _write(self, batch: Sequence[_Outcome]) -> None:
        try:
            async with self.rt.engine.begin() as conn:
                await self._write_outcomes(conn, batch)
        except IntegrityError:
            if len(batch) == 1:
                log.error("sender.record_dropped outbox=%s", batch[0].item.id)
                return
            for one in batch:  # one row that vanished must not hold up the others
                await self._write([one])

    async def _write_outcomes(self, conn: AsyncConnection, batch: Sequence[_Outcome]) -> None:
        now = self.rt.clock.now()
        sent = [(o.item, *o.sent) for o in batch if o.sent is not None]
        await outbox.mark_sent_many(conn, [(item.id, mid) for item, _out, mid in sent], now)
        await erasable.record_many(
            conn, [r for item, out, mid in sent if (r := _erasable_row(item, out, mid, now))]
        )
        for item, _out, _mid in sent:
            if item.kind == OutboxKind.CONTACT_REQUEST:
                # The handle in a contact request is forgotten once it arrived.
                await personal_data.clear_contact_ref(conn, item.id)
        settled = [o.settled for o in batch if o.settled is not None]
        await outbox.settle_many(conn, settled)
        blocked = {
            o.item.chat_id
            for o in batch
            if o.settled and o.settled.attempted and o.settled.status == outbox.BLOCKED
        }
        for chat_id in blocked:
            await people.mark_blocked(conn, chat_id)

    def _personal(self, item: Claimed, out: Outgoing) -> Outgoing:
        """Discreet mode and silent notifications, as the recipient chose them."""
        if item.discreet and out.programme:
            with use_language(item.language or self.rt.settings.default_language):
                text = discreet_text(out.text, weekly=item.week is not None)
            out = replace(out, text=text, protect_content=True)
        if item.silent:
            out = replace(out, disable_notification=True)
        return out

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


def _release(item: Claimed) -> Settled:
    """Back to pending, untried: it goes out with a later claim."""
    return Settled(item.id, outbox.PENDING, attempted=False)


async def _release_claims(rt: Runtime) -> None:
    async with rt.engine.begin() as conn:
        released = await outbox.release_claims(conn)
    if released:
        log.info("sender.released_claims rows=%s", released)


def _erasable_row(
    item: Claimed, out: Outgoing, message_id: int, now: datetime
) -> dict[str, object] | None:
    """What /erase and auto-erase may delete later: programme messages to a person."""
    if not out.programme or item.person_id is None:
        return None
    hours = item.auto_erase_hours
    return {
        "person_id": item.person_id,
        "chat_id": item.chat_id,
        "message_id": message_id,
        "sent_at": now,
        "erase_at": now + timedelta(hours=hours) if hours else None,
    }


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _wait(seconds: float, event: asyncio.Event) -> None:
    """Until the event is set, or the time runs out."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        pass
