"""Messages Foyer may still delete from a person's chat (Telegram allows it for 48 hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignore
from bot.storage.tables import erasable, person

# Telegram lets a bot delete a message for 48 hours. Stop a little earlier: the clocks of
# Telegram and this server differ a little, and a refused delete would leave the message.
DELETE_WINDOW = timedelta(hours=48)
SAFETY_MARGIN = timedelta(minutes=10)


def deletable_after(now: datetime) -> datetime:
    """Messages sent after this moment may still be deleted."""
    return now - DELETE_WINDOW + SAFETY_MARGIN


@dataclass(frozen=True)
class ErasableRow:
    id: int
    person_id: int | None
    chat_id: int
    message_id: int
    sent_at: datetime
    erase_at: datetime | None


def _row(r: object) -> ErasableRow:
    m = r._mapping  # type: ignore[attr-defined]
    return ErasableRow(**{f: m[f] for f in ErasableRow.__dataclass_fields__})


async def record(
    conn: AsyncConnection,
    *,
    person_id: int | None,
    chat_id: int,
    message_id: int,
    sent_at: datetime,
    erase_at: datetime | None,
) -> None:
    await record_many(
        conn,
        [
            {
                "person_id": person_id,
                "chat_id": chat_id,
                "message_id": message_id,
                "sent_at": sent_at,
                "erase_at": erase_at,
            }
        ],
    )


async def record_many(conn: AsyncConnection, rows: list[dict[str, object]]) -> None:
    """Several messages in one executemany (the sender's group commit). Rows of people who are
    gone (a /forget while the message was on its way) are left out: nothing is kept about them,
    and their absence must not fail the others' records."""
    if not rows:
        return
    wanted = {r["person_id"] for r in rows}
    present = set(
        (await conn.execute(select(person.c.id).where(person.c.id.in_(wanted)))).scalars()
    )
    rows = [r for r in rows if r["person_id"] in present]
    if rows:
        await conn.execute(insert_ignore(conn, erasable, "chat_id", "message_id"), rows)


async def due(conn: AsyncConnection, now: datetime, limit: int = 500) -> list[ErasableRow]:
    """Rows whose erase time has come (old ones included: the caller drops those unsent)."""
    rows = await conn.execute(
        select(erasable)
        .where(erasable.c.erase_at.is_not(None), erasable.c.erase_at <= now)
        .order_by(erasable.c.erase_at)
        .limit(limit)
    )
    return [_row(r) for r in rows]


async def of_chat(conn: AsyncConnection, chat_id: int) -> list[ErasableRow]:
    rows = await conn.execute(
        select(erasable).where(erasable.c.chat_id == chat_id).order_by(erasable.c.message_id)
    )
    return [_row(r) for r in rows]


async def remove(conn: AsyncConnection, row_ids: list[int]) -> None:
    if row_ids:
        await conn.execute(delete(erasable).where(erasable.c.id.in_(row_ids)))


async def drop_expired(conn: AsyncConnection, now: datetime) -> int:
    """Forget rows Telegram no longer lets us delete: keeping their ids serves nothing."""
    result = await conn.execute(delete(erasable).where(erasable.c.sent_at <= deletable_after(now)))
    return result.rowcount or 0
