"""What happened to one claimed message, and how the sender writes it down.

A message was sent (its id in the chat), or its row changes (``Settled``): back to pending,
untried (a flood wait, a clean stop) or for a retry with backoff (a network error, a 5xx, a bug
of ours: 8 attempts), or final (Forbidden: the person is blocked; a bad request; nothing to
send).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery import outgoing
from bot.delivery.render import NothingToSend, Outgoing
from bot.domain.outbox_kinds import OutboxKind
from bot.storage import erasable, outbox, people, personal_data
from bot.storage.outbox import Claimed, Settled

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 10 minutes."""
    base = min(2 ** (attempts + 1), 600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


@dataclass(frozen=True)
class Outcome:
    """``sent``: the message and its id; otherwise ``settled``: how the row changes."""

    item: Claimed
    sent: tuple[Outgoing, int] | None = None
    settled: Settled | None = None
    # Messages of the row that went out before its last one (a voice message before its
    # text), or before the last failed: programme messages, noted for /erase.
    parts: tuple[int, ...] = ()


def label(outcome: Outcome) -> str:
    """The outcome as the metrics name it (bot/infra/metrics.py OUTCOMES)."""
    settled = outcome.settled
    if settled is None:
        return "sent"
    if settled.status != outbox.PENDING:
        return settled.status  # failed, blocked
    return "flood_wait" if settled.error == "retry_after" else "retry"


def untried(item: Claimed) -> Outcome:
    """Back to the outbox as it was: it goes out with a later claim."""
    return Outcome(item, settled=Settled(item.id, outbox.PENDING, attempted=False))


def of_error(item: Claimed, exc: Exception, now: datetime) -> Outcome:
    """What an error while rendering or sending means for the row."""
    if isinstance(exc, outgoing.PartlySent):
        # The error's meaning for the rest; the row keeps what went out (a retry sends the rest).
        rest = of_error(item, exc.error, now).settled
        assert rest is not None
        return Outcome(
            item, settled=replace(rest, part_sent=exc.message_id), parts=(exc.message_id,)
        )
    if isinstance(exc, RetryAfter):
        seconds = _seconds(exc.retry_after)
        log.warning("sender.retry_after outbox=%s seconds=%s", item.id, seconds)
        at = now + timedelta(seconds=seconds)
        return Outcome(item, settled=Settled(item.id, outbox.PENDING, "retry_after", at, False))
    if isinstance(exc, Forbidden):
        log.info("sender.blocked outbox=%s chat=%s", item.id, item.chat_id)
        return Outcome(item, settled=Settled(item.id, outbox.BLOCKED, "forbidden"))
    if isinstance(exc, BadRequest):
        log.error("sender.bad_request outbox=%s kind=%s", item.id, item.kind)
        error = f"bad_request:{type(exc).__name__}"
        return Outcome(item, settled=Settled(item.id, outbox.FAILED, error))
    if isinstance(exc, NothingToSend):
        return Outcome(item, settled=Settled(item.id, outbox.FAILED, "no_content"))
    error = type(exc).__name__
    if not isinstance(exc, NetworkError | TelegramError):  # a bug of ours, or the database
        log.error("sender.unexpected outbox=%s error=%s", item.id, error)
    if item.attempts + 1 >= MAX_ATTEMPTS:
        log.error("sender.gave_up outbox=%s error=%s", item.id, error)
        return Outcome(item, settled=Settled(item.id, outbox.FAILED, error))
    log.warning("sender.retry outbox=%s error=%s attempt=%s", item.id, error, item.attempts + 1)
    at = now + backoff(item.attempts)
    return Outcome(item, settled=Settled(item.id, outbox.PENDING, error, at))


async def write(
    conn: AsyncConnection, batch: Sequence[Outcome], worker_id: int, now: datetime
) -> None:
    """One group commit's outcomes, for rows ``worker_id`` claimed (the caller commits)."""
    sent = [(o.item, *o.sent) for o in batch if o.sent is not None]
    await outbox.mark_sent_many(conn, [(item.id, mid) for item, _out, mid in sent], now)
    erasable_rows = [
        r for i, out, mid in sent if (r := outgoing.erasable_row(i, out.programme, mid, now))
    ]
    erasable_rows += [
        r for o in batch for mid in o.parts if (r := outgoing.erasable_row(o.item, True, mid, now))
    ]
    await erasable.record_many(conn, erasable_rows)
    for item, _out, _mid in sent:
        if item.kind == OutboxKind.CONTACT_REQUEST:
            # The handle in a contact request is forgotten once it arrived.
            await personal_data.clear_contact_ref(conn, item.id)
    await outbox.settle_many(conn, [o.settled for o in batch if o.settled], worker_id)
    blocked = {
        o.item.chat_id
        for o in batch
        if o.settled and o.settled.attempted and o.settled.status == outbox.BLOCKED
    }
    for chat_id in blocked:  # their queue stops here: nothing more is claimed for them
        await people.mark_blocked(conn, chat_id, now)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
