"""The outbox: every message Foyer sends on its own initiative passes through here.

Unique keys make writing idempotent; statuses record what happened to each message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.memberships import receiving_at
from bot.storage.sql import insert_ignore
from bot.storage.tables import group, membership, outbox, person

PENDING, SENT, FAILED, EXPIRED, BLOCKED = "pending", "sent", "failed", "expired", "blocked"

_earlier = outbox.alias("earlier")


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


@dataclass(frozen=True)
class Claimed:
    """A pending message with what is needed to render it."""

    id: int
    chat_id: int
    kind: str
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


async def expire_stale(conn: AsyncConnection, older_than: datetime) -> int:
    """Pending items due before the grace horizon are recorded as expired, never sent late."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.status == PENDING, outbox.c.due_at < older_than)
        .values(status=EXPIRED)
    )
    return result.rowcount or 0


async def claim_due(
    conn: AsyncConnection, now: datetime, limit: int, exclude: Sequence[int] = ()
) -> list[Claimed]:
    query = (
        select(
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
            group.c.name,
            group.c.curriculum_id,
            group.c.timezone,
        )
        .select_from(
            outbox.outerjoin(person, person.c.id == outbox.c.person_id).outerjoin(
                group, group.c.id == outbox.c.group_id
            )
        )
        .where(
            outbox.c.status == PENDING,
            outbox.c.due_at <= now,
            or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
            # A chat's messages go in order: none while an earlier one waits for its retry.
            ~exists().where(
                _earlier.c.chat_id == outbox.c.chat_id,
                _earlier.c.status == PENDING,
                _earlier.c.next_attempt_at > now,
                or_(
                    _earlier.c.due_at < outbox.c.due_at,
                    and_(_earlier.c.due_at == outbox.c.due_at, _earlier.c.id < outbox.c.id),
                ),
            ),
        )
        .order_by(outbox.c.due_at, outbox.c.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(outbox.c.id.not_in(list(exclude)))
    rows = await conn.execute(query)
    return [
        Claimed(
            id=r.id,
            chat_id=r.chat_id,
            kind=r.kind,
            week=r.week,
            ref=r.ref,
            attempts=r.attempts,
            due_at=r.due_at,
            membership_id=r.membership_id,
            language=r.language,
            discreet=bool(r.discreet),
            silent=bool(r.silent),
            auto_erase_hours=r.auto_erase_hours,
            person_id=r.person_id,
            group_id=r.group_id,
            group_name=r.name,
            curriculum_id=r.curriculum_id,
            timezone=r.timezone,
        )
        for r in rows
    ]


async def mark_sent(conn: AsyncConnection, row_id: int, message_id: int, now: datetime) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=SENT, message_id=message_id, sent_at=now, attempts=outbox.c.attempts + 1)
    )


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


async def mark_retry(
    conn: AsyncConnection, row_id: int, error: str, next_attempt_at: datetime, count: bool = True
) -> None:
    values: dict[str, object] = {"last_error": error[:64], "next_attempt_at": next_attempt_at}
    if count:
        values["attempts"] = outbox.c.attempts + 1
    await conn.execute(update(outbox).where(outbox.c.id == row_id).values(**values))


async def mark_final(conn: AsyncConnection, row_id: int, status: str, error: str) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=status, last_error=error[:64], attempts=outbox.c.attempts + 1)
    )


async def next_due_at(conn: AsyncConnection) -> datetime | None:
    """When the next pending message becomes sendable (for the sender's sleep)."""
    row = (
        await conn.execute(
            select(outbox.c.due_at, outbox.c.next_attempt_at)
            .where(outbox.c.status == PENDING)
            .order_by(outbox.c.due_at)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return max(d for d in (row[0], row[1]) if d is not None)


async def count_by_status(conn: AsyncConnection, **where: object) -> dict[str, int]:
    conds = [getattr(outbox.c, k) == v for k, v in where.items()]
    rows = await conn.execute(
        select(outbox.c.status, func.count()).where(and_(True, *conds)).group_by(outbox.c.status)
    )
    return {s: n for s, n in rows}
