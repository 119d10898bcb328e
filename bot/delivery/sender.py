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

What a send's result means for its row, and how outcomes are written: outcomes.py; shaping
and sending one message: outgoing.py; the pause: write_pause.py.

Synchronisation: ``_claimed`` (claimed heads, for the senders), ``_outcomes`` (for the
recorder), the future handed with each outcome (its sender waits on it until the commit),
``_wire`` (how many sends wait on Telegram at once) and ``rt.outbox_signal`` (wakes the claim
loop: new rows, or outcomes recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from telegram import Bot

from bot.delivery import outcomes, outgoing
from bot.delivery.outcomes import Outcome
from bot.delivery.render import Renderer, render
from bot.delivery.write_pause import WritePause
from bot.domain.outbox_kinds import OutboxKind, useful_for
from bot.runtime import Runtime
from bot.storage import outbox, workers
from bot.storage.outbox import Claimed

log = logging.getLogger(__name__)

# Heads claimed at once at most: a few rounds of work for the senders (a claim waits until half
# of them are taken), and no more, as a worker that dies holds what it claimed for its lease.
BATCH, ROUNDS = 200, 8
IDLE_POLL_SECONDS = 1.0
# A commit waits for more outcomes while they keep coming (each within the gap), at most the
# linger, and not once every sender has handed one in.
RECORD_LINGER_SECONDS = 0.02
RECORD_GAP_SECONDS = 0.002

# An outcome, and the future its sender waits on until the outcome is committed.
_Handed = tuple[Outcome, asyncio.Future[None]]


class Sender:
    def __init__(self, rt: Runtime, bot: Bot, renderers: Mapping[str, Renderer]) -> None:
        self.rt = rt
        self.bot = bot
        self.renderers = renderers  # checked at start-up: every kind has its one renderer
        self._senders = rt.settings.send_concurrency
        self._batch = min(BATCH, ROUNDS * self._senders)
        self._claimed: asyncio.Queue[Claimed | None] = asyncio.Queue()
        # Few sends at a time in the rate limiter's queue: a reply to a press waits behind them,
        # not behind the whole blast.
        self._wire = asyncio.Semaphore(min(rt.settings.http_concurrency, self._senders))
        self._outcomes: asyncio.Queue[_Handed | None] = asyncio.Queue()
        self._pause = WritePause()
        self._stopping = False
        self._worker = 0  # this worker's id (bot/storage/workers.py), set at start
        self._next_lease = 0.0  # time.monotonic() when the heartbeat is due again
        # The claim loop comes round at least this often, so heartbeats are never late.
        self._idle = min(IDLE_POLL_SECONDS, rt.settings.worker_lease_seconds / 6)

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
                    await self._claim(self._batch - self._claimed.qsize())
                except Exception as exc:  # nothing was marked, so nothing will be sent
                    await self._pause.failed("claim", exc)
                    continue
                self._pause.ok()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.rt.outbox_signal.wait(), self._idle)
            # Stopping: heads no sender took go back to the outbox, untried.
            while not self._claimed.empty():
                if (item := self._claimed.get_nowait()) is not None:
                    self._outcomes.put_nowait((outcomes.untried(item), _future()))
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
        wanted = room if room >= self._batch // 2 else 0
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
            written = _future()
            self._outcomes.put_nowait((await self._deliver(item), written))
            await written

    async def _deliver(self, item: Claimed) -> Outcome:
        """Send one message; never raises (an error of ours is retried like a network one)."""
        called: float | None = None  # the Bot API call's start, once it is made
        try:
            await self.rt.flood.wait()  # no rendering while Telegram asks everyone to wait
            rendered = await render(item, self.rt, self.renderers)
            out = outgoing.personal(item, rendered, self.rt.settings.default_language)
            voice = await outgoing.voice_for(self.rt, item)  # None: text, as the person reads
            async with self._wire:
                called = time.perf_counter()
                *parts, message_id = await outgoing.deliver(self.bot, self.rt, item, out, voice)
        except Exception as exc:
            done = outcomes.of_error(item, exc, self.rt.clock.now())
        else:
            log.debug("sender.sent outbox=%s", item.id)
            done = Outcome(item, sent=(out, message_id), parts=tuple(parts))
        took = None if called is None else time.perf_counter() - called
        self.rt.metrics.sent(item.kind, outcomes.label(done), took)
        return done

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
            await self._until_written("record", self._write, [o for o, _ in batch])
            for _, written in batch:
                written.set_result(None)
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

    async def _write(self, batch: Sequence[Outcome]) -> None:
        try:
            async with self.rt.engine.begin() as conn:
                await outcomes.write(conn, batch, self._worker, self.rt.clock.now())
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


def _future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()
