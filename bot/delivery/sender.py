"""The sender: drains the outbox through PTB's Bot, as one worker among any number.

The claim loop takes the heads of due chats (a chat's earliest pending row, one per chat:
bot/storage/outbox.py), marks them ``sending`` and owned by this worker in the database, then
queues them. FOYER_SEND_CONCURRENCY senders each take one, send it, hand the outcome to the
recorder and wait until it is committed before taking the next. The recorder commits the
outcomes that have arrived in one transaction and wakes the claim loop: each of those chats
now has a new head.

The promises, and what keeps each:

- **Nothing is sent that could not be recorded**: the claim is committed before the message
  goes out; when it cannot be written, nothing is sent. A row this worker holds is never
  claimed again, so an outcome the database refuses is kept in memory and written later, never
  sent twice; the sender says so in one line when it pauses and one when it resumes.
- **A crash repeats at most FOYER_SEND_CONCURRENCY messages**: each sender holds at most one
  message that was sent and whose outcome is not committed yet.
- **Each chat gets its messages in the outbox's order**: only a chat's head is claimed, and its
  next row only once the head's outcome is recorded.
- **Workers share a database**: a claim skips what another worker holds; a worker not seen for
  FOYER_WORKER_LEASE_SECONDS loses its claims to the others (bot/storage/workers.py). On
  SQLite (one process per database: ``foyer run`` holds a lock) they go back at start.
- Flood waits are honoured in the HTTP client (bot/infra/flood_gate.py); network errors and
  5xx are retried with backoff; Forbidden marks the person blocked, which stops their queue.

Synchronisation: ``_claimed`` (claimed heads, for the senders), ``_outcomes`` (for the
recorder), each outcome's ``written`` future (its sender waits on it), and
``rt.outbox_signal`` (wakes the claim loop: new rows, or outcomes recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery import outgoing
from bot.delivery.render import NothingToSend, Outgoing, Renderer, render
from bot.delivery.write_pause import WritePause
from bot.domain.outbox_kinds import OutboxKind, useful_for
from bot.runtime import Runtime
from bot.storage import erasable, outbox, people, personal_data, workers
from bot.storage.outbox import Claimed, Settled

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 200  # heads claimed at once at most; a claim waits until half of them are taken
IDLE_POLL_SECONDS = 1.0
# A commit waits for more outcomes while they keep coming (each within the gap), at most the
# linger, and not once every sender has handed one in.
RECORD_LINGER_SECONDS = 0.02
RECORD_GAP_SECONDS = 0.002


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 10 minutes."""
    base = min(2 ** (attempts + 1), 600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()


@dataclass(frozen=True)
class _Outcome:
    """What happened to one claimed message: ``sent`` (the message and its id), or ``settled``
    (how the row changes). ``written`` is done once the recorder committed it."""

    item: Claimed
    sent: tuple[Outgoing, int] | None = None
    settled: Settled | None = None
    written: asyncio.Future[None] = field(default_factory=_future)


class Sender:
    def __init__(self, rt: Runtime, bot: Bot, renderers: Mapping[str, Renderer]) -> None:
        self.rt = rt
        self.bot = bot
        self.renderers = renderers  # checked at start-up: every kind has its one renderer
        self._senders = rt.settings.send_concurrency
        self._claimed: asyncio.Queue[Claimed | None] = asyncio.Queue()
        self._outcomes: asyncio.Queue[_Outcome | None] = asyncio.Queue()
        self._pause = WritePause()
        self._stopping = False
        self._worker = 0  # this worker's id (bot/storage/workers.py), set at start
        self._next_lease = 0.0  # time.monotonic() when the heartbeat is due again

    def stop(self) -> None:
        """Finish the messages in flight, start no new ones (a clean stop sends nothing twice)."""
        self._stopping = True
        self.rt.wake_sender()

    async def run(self) -> None:
        await self._until_written("register", self._register)
        senders = [
            asyncio.create_task(self._send_each(), name=f"sender.{i}") for i in range(self._senders)
        ]
        recorder = asyncio.create_task(self._record(), name="sender.recorder")
        try:
            while not self._stopping:
                self.rt.outbox_signal.clear()  # before the claim: a wake-up during it counts
                try:
                    await self._claim(BATCH - self._claimed.qsize())
                except Exception as exc:  # nothing was marked, so nothing will be sent
                    await self._pause.failed("claim", exc)
                    continue
                self._pause.ok()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.rt.outbox_signal.wait(), IDLE_POLL_SECONDS)
            # Stopping: heads no sender took go back to the outbox, untried.
            while not self._claimed.empty():
                if (item := self._claimed.get_nowait()) is not None:
                    back = Settled(item.id, outbox.PENDING, attempted=False)
                    self._outcomes.put_nowait(_Outcome(item, settled=back))
            for _ in senders:
                self._claimed.put_nowait(None)
            await asyncio.gather(*senders)
            self._outcomes.put_nowait(None)
            await recorder
            await self._forget()
        finally:
            for task in (*senders, recorder):
                task.cancel()

    async def _register(self) -> None:
        async with self.rt.engine.begin() as conn:
            self._worker = await workers.register(conn, self.rt.clock.now())
            # One process per SQLite database: what is left being sent was a dead process's.
            sqlite = conn.dialect.name == "sqlite"
            released = await outbox.release_claims(conn) if sqlite else 0
        log.info("sender.started worker=%s", self._worker)
        if released:
            log.info("sender.released_claims rows=%s", released)

    async def _claim(self, room: int) -> None:
        """Heads, when half a batch fits in the queue; and every few seconds the heartbeat,
        which gives dead workers' claims back."""
        wanted = room if room >= BATCH // 2 else 0
        beat = time.monotonic() >= self._next_lease
        if not (wanted or beat):
            return
        settings, now, was = self.rt.settings, self.rt.clock.now(), self._worker
        grace = timedelta(hours=settings.grace_hours)
        released = expired = 0
        batch: list[Claimed] = []
        async with self.rt.engine.begin() as conn:
            # Seen with every claim, so a worker declared dead claims nothing under its old id.
            self._worker = await workers.keep(conn, self._worker, now)
            if beat:
                lease = timedelta(seconds=settings.worker_lease_seconds)
                released = await workers.release_expired(conn, self._worker, now - lease)
            if wanted:
                # The planner's rule (bot/domain/outbox_kinds.py), for rows that waited since.
                oldest = {str(kind): now - useful_for(kind, grace) for kind in OutboxKind}
                expired = await outbox.expire_stale(conn, oldest, now - grace)
                batch = await outbox.claim_due(conn, now, wanted, self._worker)
        if beat:
            self._next_lease = time.monotonic() + settings.worker_lease_seconds / 6
        if self._worker != was:
            log.warning("sender.worker_lost worker=%s new=%s", was, self._worker)
        if released:
            log.warning("sender.released_claims rows=%s", released)
        if expired:
            log.info("sender.expired rows=%s", expired)
        for item in batch:
            self._claimed.put_nowait(item)

    async def _send_each(self) -> None:
        """One sender: a message at a time, from its claim to its committed outcome."""
        while (item := await self._claimed.get()) is not None:
            outcome = await self._deliver(item)
            self._outcomes.put_nowait(outcome)
            await outcome.written

    async def _deliver(self, item: Claimed) -> _Outcome:
        """Send one message; never raises (an error of ours is retried like a network one)."""
        try:
            await self.rt.flood.wait()  # no rendering while Telegram asks everyone to wait
            rendered = await render(item, self.rt, self.renderers)
            out = outgoing.personal(item, rendered, self.rt.settings.default_language)
            message_id = await outgoing.send(self.bot, item.chat_id, out)
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

    async def _record(self) -> None:
        """Group commits: a statement costs far more than a row, so a commit waits a moment for
        the other senders' outcomes."""
        last = False
        while not last and (first := await self._outcomes.get()) is not None:
            batch = [first]
            deadline = time.monotonic() + RECORD_LINGER_SECONDS
            while len(batch) < self._senders and (left := deadline - time.monotonic()) > 0:
                try:
                    got = await asyncio.wait_for(
                        self._outcomes.get(), min(left, RECORD_GAP_SECONDS)
                    )
                except TimeoutError:
                    break
                if last := got is None:
                    break
                batch.append(got)
            await self._until_written("record", self._write, batch)
            for o in batch:
                o.written.set_result(None)
            self.rt.wake_sender()  # these chats have a new head

    async def _until_written(
        self, step: str, write: Callable[..., Awaitable[None]], *args: Any
    ) -> None:
        """Tried again until the database takes it: the outcome of a send is never forgotten,
        so the message is never sent again by this worker."""
        while True:
            try:
                await write(*args)
            except Exception as exc:
                await self._pause.failed(step, exc)
            else:
                self._pause.ok()
                return

    async def _write(self, batch: Sequence[_Outcome]) -> None:
        try:
            async with self.rt.engine.begin() as conn:
                now = self.rt.clock.now()
                sent = [(o.item, *o.sent) for o in batch if o.sent is not None]
                await outbox.mark_sent_many(conn, [(item.id, mid) for item, _, mid in sent], now)
                await erasable.record_many(
                    conn,
                    [r for i, out, mid in sent if (r := outgoing.erasable_row(i, out, mid, now))],
                )
                for item, _out, _mid in sent:
                    if item.kind == OutboxKind.CONTACT_REQUEST:
                        # The handle in a contact request is forgotten once it arrived.
                        await personal_data.clear_contact_ref(conn, item.id)
                settled = [o.settled for o in batch if o.settled is not None]
                await outbox.settle_many(conn, settled, self._worker)
                for chat_id in {
                    o.item.chat_id
                    for o in batch
                    if o.settled and o.settled.attempted and o.settled.status == outbox.BLOCKED
                }:
                    await people.mark_blocked(conn, chat_id)
        except IntegrityError:
            if len(batch) == 1:
                log.error("sender.record_dropped outbox=%s", batch[0].item.id)
                return
            for one in batch:  # a row or person that vanished (/forget) fails no one else's
                await self._write([one])

    async def _forget(self) -> None:
        """A clean stop: nothing is held any more, so this worker's row goes."""
        try:
            async with self.rt.engine.begin() as conn:
                await workers.forget(conn, self._worker)
        except Exception as exc:  # the lease ends it anyway
            log.warning("sender.forget_failed worker=%s error=%s", self._worker, type(exc).__name__)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
