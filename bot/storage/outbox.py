"""The outbox: every message Foyer sends on its own initiative passes through here.

Unique keys make writing idempotent; statuses record what happened to each message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outbox_kinds import OutboxKind
from bot.storage.memberships import receiving_at
from bot.storage.sql import insert_ignore
from bot.storage.tables import group, membership, outbox, person

PENDING, SENT, FAILED, EXPIRED, BLOCKED = "pending", "sent", "failed", "expired", "blocked"
# Claimed by the sender: written before the message goes out, so a row whose claim could not be
# written is never sent, and one being sent is never claimed again (bot/delivery/sender.py).
SENDING = "sending"
# Not yet settled one way or the other.
WAITING = (PENDING, SENDING)

_earlier = outbox.alias("earlier")
_DUE = outbox.c.due_at.type


def item_key(group_id: int, week: int, kind: str, membership_id: int) -> str:
    return f"g{group_id}:w{week}:{kind}:m{membership_id}"


async def fan_out(
    conn: AsyncConnection,
    *,
    group_id: int,
    week: int | None,
    kind: str,
    due_at: datetime,
    status: str = PENDING,
    roles: tuple[str, ...] = ("member",),
    key_prefix: str | None = None,
    ref: str | None = None,
) -> int:
    """One row per receiving member of a group, in a single INSERT ... SELECT. Keys are the
    prefix (by default ``g{group}:w{week}:{kind}:m``) plus the membership id."""
    prefix = key_prefix or f"g{group_id}:w{week}:{kind}:m"
    key = literal(prefix, String) + cast(membership.c.id, String)
    source = (
        select(
            key,
            person.c.telegram_id,
            person.c.id,
            membership.c.id,
            literal(group_id),
            literal(kind, String),
            literal(week, Integer),
            literal(ref, String),
            literal(due_at, outbox.c.due_at.type),
            literal(status, String),
            literal(0),
        )
        .select_from(membership.join(person, person.c.id == membership.c.person_id))
        .where(
            membership.c.group_id == group_id,
            membership.c.role.in_(roles),
            receiving_at(due_at),
        )
    )
    stmt = insert_ignore(conn, outbox, "key").from_select(
        [
            "key",
            "chat_id",
            "person_id",
            "membership_id",
            "group_id",
            "kind",
            "week",
            "ref",
            "due_at",
            "status",
            "attempts",
        ],
        source,
    )
    result = await conn.execute(stmt)
    return result.rowcount or 0


async def enqueue(
    conn: AsyncConnection,
    *,
    key: str,
    chat_id: int,
    kind: str,
    due_at: datetime,
    person_id: int | None = None,
    membership_id: int | None = None,
    group_id: int | None = None,
    week: int | None = None,
    ref: str | None = None,
) -> bool:
    """Add one message; False when that key was already written."""
    stmt = insert_ignore(conn, outbox, "key").values(
        key=key,
        chat_id=chat_id,
        person_id=person_id,
        membership_id=membership_id,
        group_id=group_id,
        kind=kind,
        week=week,
        ref=ref,
        due_at=due_at,
        status=PENDING,
        attempts=0,
    )
    return bool((await conn.execute(stmt)).rowcount)


async def withdraw_member(
    conn: AsyncConnection,
    group_id: int,
    membership_id: int,
    person_id: int,
    chat_id: int,
    now: datetime,
) -> None:
    """A member removed from a group: nothing more from the programme reaches them, not even
    what was already queued, and one neutral message says so."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.membership_id == membership_id, outbox.c.status.in_(WAITING))
        .values(status=EXPIRED, last_error="removed")
    )
    await enqueue(
        conn,
        key=f"g{group_id}:removed:m{membership_id}",
        chat_id=chat_id,
        kind=OutboxKind.REMOVED,
        due_at=now,
        person_id=person_id,
        group_id=group_id,
    )


@dataclass(frozen=True)
class Claimed:
    """A pending message with what is needed to render it."""

    id: int
    chat_id: int
    kind: str  # an OutboxKind value, read as text: a row may name a kind this version lacks
    week: int | None
    ref: str | None
    attempts: int
    due_at: datetime
    membership_id: int | None
    language: str | None
    discreet: bool
    silent: bool
    auto_erase_hours: int | None
    person_id: int | None
    group_id: int | None
    group_name: str | None
    curriculum_id: str | None
    timezone: str | None
    voice_mode: str | None = None  # as chosen; None: the language's default (domain/audio.py)
    # A voice message then its text: the voice's id once it went out alone (a retry sends the rest)
    part_sent: int | None = None


async def expire_stale(
    conn: AsyncConnection, oldest_sent: Mapping[str, datetime], otherwise: datetime
) -> int:
    """Pending items due before their kind's horizon (``oldest_sent``, else ``otherwise``) are
    recorded as expired, never sent late."""
    horizon: Any = literal(otherwise, _DUE)
    if oldest_sent:
        whens = {kind: literal(at, _DUE) for kind, at in oldest_sent.items()}
        horizon = case(whens, value=outbox.c.kind, else_=horizon)
    latest = max([otherwise, *oldest_sent.values()])  # a range of the (status, due_at) index
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.status == PENDING, outbox.c.due_at < latest, outbox.c.due_at < horizon)
        .values(status=EXPIRED)
    )
    return result.rowcount or 0


# What a claim reads, named as Claimed's fields. A group chat has no person: its language and
# preferences are NULL (discreet and silent read as off).
_CLAIMED = (
    outbox.c.id,
    outbox.c.chat_id,
    outbox.c.kind,
    outbox.c.week,
    outbox.c.ref,
    outbox.c.attempts,
    outbox.c.due_at,
    outbox.c.membership_id,
    person.c.language,
    person.c.discreet,
    person.c.silent,
    person.c.auto_erase_hours,
    outbox.c.person_id,
    outbox.c.group_id,
    group.c.name.label("group_name"),
    group.c.curriculum_id,
    group.c.timezone,
    person.c.voice_mode,
    outbox.c.message_id.label("part_sent"),  # on a row not yet sent: its first part went out
)


def _claim_query(now: datetime, limit: int) -> Any:
    return (
        select(*_CLAIMED, person.c.blocked.label("person_blocked"))
        .select_from(
            outbox.outerjoin(person, person.c.id == outbox.c.person_id).outerjoin(
                group, group.c.id == outbox.c.group_id
            )
        )
        .where(
            outbox.c.status == PENDING,
            outbox.c.due_at <= now,
            or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
            # Only a chat's head: none of its rows is being sent, and none is pending before
            # this one (an earlier one waiting for its retry holds the chat back too).
            ~exists().where(
                _earlier.c.chat_id == outbox.c.chat_id,
                _earlier.c.status.in_(WAITING),  # one look-up in ix_outbox_chat_status
                or_(
                    _earlier.c.status == SENDING,
                    and_(
                        _earlier.c.status == PENDING,
                        or_(
                            _earlier.c.due_at < outbox.c.due_at,
                            and_(_earlier.c.due_at == outbox.c.due_at, _earlier.c.id < outbox.c.id),
                        ),
                    ),
                ),
            ),
        )
        .order_by(outbox.c.due_at, outbox.c.id)
        .limit(limit)
        # Several workers on PostgreSQL (READ COMMITTED): a row another worker's claim holds
        # is skipped; one it claimed and committed since this statement's snapshot was taken
        # is read again as committed, and dropped, as it is no longer pending. A later row of
        # that chat is never taken meanwhile: in this snapshot the head is still pending before
        # it. SQLite renders nothing here, and needs nothing: one writer at a time.
        .with_for_update(skip_locked=True, of=outbox)
    )


async def claim_due(
    conn: AsyncConnection, now: datetime, limit: int, worker_id: int
) -> list[Claimed]:
    """The heads of due chats (at most one row per chat: its earliest pending one), marked as
    being sent by ``worker_id`` in the same transaction (the caller commits). The chat's next
    row becomes its head once this one's outcome is recorded.

    A row for a person already marked blocked is marked blocked too, never sent: on PostgreSQL
    a fan-out that read the person before the 403 was recorded can commit its rows after
    people.mark_blocked stopped the ones it saw (SQLite's one writer cannot interleave them).
    """
    rows = (await conn.execute(_claim_query(now, limit))).all()
    stopped = [r.id for r in rows if r.person_blocked]
    if stopped:
        await conn.execute(update(outbox).where(outbox.c.id.in_(stopped)).values(status=BLOCKED))
    rows = [r for r in rows if not r.person_blocked]
    if rows:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([r.id for r in rows]))
            .values(status=SENDING, claimed_by=worker_id)
        )
    return [
        Claimed(
            **{
                **{k: v for k, v in r._mapping.items() if k != "person_blocked"},
                "discreet": bool(r.discreet),
                "silent": bool(r.silent),
            }
        )
        for r in rows
    ]


async def release_claims(conn: AsyncConnection, owners: Sequence[int | None] | None = None) -> int:
    """Rows left as being sent go back to pending: those claimed by ``owners`` (workers taken
    for dead; None among them: rows claimed before workers had ids), or every one (None: only
    for a process that knows it is the only sender on this database, as on SQLite)."""
    held = outbox.c.status == SENDING
    if owners is not None:
        ids = [o for o in owners if o is not None]
        held &= or_(
            outbox.c.claimed_by.in_(ids),
            outbox.c.claimed_by.is_(None) if None in owners else false(),
        )
    result = await conn.execute(update(outbox).where(held).values(status=PENDING, claimed_by=None))
    return result.rowcount or 0


# Built once: the sender's group commit runs it for every few messages.
_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_row_id"))
    .values(
        status=SENT,
        message_id=bindparam("b_message_id"),
        sent_at=bindparam("b_now"),
        attempts=outbox.c.attempts + 1,
    )
)


async def mark_sent_many(
    conn: AsyncConnection, sent: Sequence[tuple[int, int]], now: datetime
) -> None:
    """mark_sent for several (row id, message id) pairs in one executemany (a group commit)."""
    if sent:
        await conn.execute(
            _MARK_SENT,
            [{"b_row_id": r, "b_message_id": m, "b_now": now} for r, m in sent],
        )


# Built once, like _MARK_SENT. Only a row this worker still holds changes: one that was expired
# or blocked meanwhile (a member removed, a block), or given back and claimed by another worker
# while this one was cut off from the database, keeps what it has.
_SETTLE = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("b_row_id"),
        outbox.c.status == SENDING,
        outbox.c.claimed_by == bindparam("b_worker"),
    )
    .values(
        status=bindparam("b_status"),
        last_error=func.coalesce(bindparam("b_error", type_=String), outbox.c.last_error),
        next_attempt_at=func.coalesce(
            bindparam("b_next", type_=outbox.c.next_attempt_at.type), outbox.c.next_attempt_at
        ),
        attempts=outbox.c.attempts + bindparam("b_attempt", type_=Integer),
        message_id=func.coalesce(bindparam("b_part", type_=BigInteger), outbox.c.message_id),
    )
)


@dataclass(frozen=True)
class Settled:
    """The outcome of a claimed message that was not sent: pending again (a retry, or never
    tried), or final (failed, blocked)."""

    row_id: int
    status: str
    error: str | None = None
    next_attempt_at: datetime | None = None
    attempted: bool = True
    part_sent: int | None = None  # Claimed.part_sent: a voice message sent before its text failed


async def settle_many(conn: AsyncConnection, outcomes: Sequence[Settled], worker_id: int) -> None:
    """Outcomes of rows that ``worker_id`` claimed and did not send."""
    if outcomes:
        await conn.execute(
            _SETTLE,
            [
                {
                    "b_row_id": o.row_id,
                    "b_status": o.status,
                    "b_error": o.error[:64] if o.error else None,
                    "b_next": o.next_attempt_at,
                    "b_attempt": int(o.attempted),
                    "b_worker": worker_id,
                    "b_part": o.part_sent,
                }
                for o in outcomes
            ],
        )
