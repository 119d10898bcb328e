"""Broadcasts: a facilitator's message (or one-off reminder) to the whole group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outbox_kinds import OutboxKind
from bot.storage import outbox as outbox_rows
from bot.storage.tables import broadcast, outbox

KINDS = ("text", "photo", "voice", "audio", "reminder")
# Outbox kinds whose rows name a broadcast in `ref` (and whose renderers read it).
OUTBOX_KINDS = (OutboxKind.BROADCAST, OutboxKind.REMIND, OutboxKind.BROADCAST_SUMMARY)
DRAFT_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    group_id: int
    author_id: int | None
    kind: str
    text: str | None
    file_id: str | None
    created_at: datetime
    confirmed_at: datetime | None
    send_at: datetime | None
    summarized_at: datetime | None


def _row(r: object) -> BroadcastRow:
    m = r._mapping  # type: ignore[attr-defined]
    return BroadcastRow(**{k: m[k] for k in BroadcastRow.__dataclass_fields__})


async def create(
    conn: AsyncConnection,
    *,
    group_id: int,
    author_id: int,
    kind: str,
    text: str | None,
    file_id: str | None,
    send_at: datetime | None,
    now: datetime,
) -> int:
    result = await conn.execute(
        broadcast.insert().values(
            group_id=group_id,
            author_id=author_id,
            kind=kind,
            text=text,
            file_id=file_id,
            created_at=now,
            send_at=send_at,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def get(conn: AsyncConnection, broadcast_id: int) -> BroadcastRow | None:
    row = (await conn.execute(select(broadcast).where(broadcast.c.id == broadcast_id))).first()
    return _row(row) if row else None


async def confirm(conn: AsyncConnection, broadcast_id: int, now: datetime) -> bool:
    """Mark confirmed once; False if it already was (a double tap sends nothing twice)."""
    result = await conn.execute(
        update(broadcast)
        .where(broadcast.c.id == broadcast_id, broadcast.c.confirmed_at.is_(None))
        .values(confirmed_at=now)
    )
    return bool(result.rowcount)


async def awaiting_summary(conn: AsyncConnection) -> list[BroadcastRow]:
    rows = await conn.execute(
        select(broadcast)
        .where(
            broadcast.c.confirmed_at.is_not(None),
            broadcast.c.summarized_at.is_(None),
            broadcast.c.kind != "reminder",
        )
        # PostgreSQL returns rows in no particular order (SQLite's is the rowid's): oldest first.
        .order_by(broadcast.c.id)
    )
    return [_row(r) for r in rows]


async def outcome(conn: AsyncConnection, broadcast_id: int) -> dict[str, int]:
    """Statuses of the broadcast's messages to members."""
    rows = await conn.execute(
        select(outbox.c.status, func.count())
        .where(outbox.c.kind == OutboxKind.BROADCAST, outbox.c.ref == str(broadcast_id))
        .group_by(outbox.c.status)
    )
    return {s: n for s, n in rows}


async def mark_summarized(conn: AsyncConnection, broadcast_id: int, now: datetime) -> None:
    await conn.execute(
        update(broadcast).where(broadcast.c.id == broadcast_id).values(summarized_at=now)
    )


async def fan_out(
    conn: AsyncConnection,
    *,
    broadcast_id: int,
    group_id: int,
    kind: str,
    due_at: datetime,
) -> int:
    """One outbox row per receiving member, key b{broadcast}:m{membership}: never twice."""
    return await outbox_rows.fan_out(
        conn,
        group_id=group_id,
        week=None,
        kind=kind,
        due_at=due_at,
        key_prefix=f"b{broadcast_id}:m",
        ref=str(broadcast_id),
    )


async def purge(conn: AsyncConnection, now: datetime, keep: timedelta) -> int:
    """Delete drafts never confirmed, a day on, and sent broadcasts `keep` after their delivery
    summary (a reminder, which has none, after it went out). Never one that an outbox row still
    pending or being sent names: its message or summary must still be rendered from it."""
    still_needed = exists().where(
        outbox.c.ref == cast(broadcast.c.id, String),
        outbox.c.kind.in_(OUTBOX_KINDS),
        outbox.c.status.in_(outbox_rows.WAITING),
    )
    draft = and_(broadcast.c.confirmed_at.is_(None), broadcast.c.created_at <= now - DRAFT_LIFETIME)
    done = or_(
        and_(broadcast.c.kind != "reminder", broadcast.c.summarized_at <= now - keep),
        and_(
            broadcast.c.kind == "reminder",
            broadcast.c.confirmed_at.is_not(None),
            func.coalesce(broadcast.c.send_at, broadcast.c.confirmed_at) <= now - keep,
        ),
    )
    result = await conn.execute(delete(broadcast).where(or_(draft, done), ~still_needed))
    return result.rowcount or 0
