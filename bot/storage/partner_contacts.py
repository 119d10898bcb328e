"""Women's organisation contacts who may invite members' partners, one row per group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignore
from bot.storage.tables import partner_contact, person


@dataclass(frozen=True)
class ContactRow:
    telegram_id: int
    group_id: int
    created_at: datetime
    revoked_at: datetime | None


async def add(conn: AsyncConnection, person_id: int, group_id: int, now: datetime) -> None:
    await conn.execute(
        insert_ignore(conn, partner_contact, "person_id", "group_id").values(
            person_id=person_id, group_id=group_id, created_at=now
        )
    )
    await conn.execute(
        update(partner_contact)
        .where(partner_contact.c.person_id == person_id, partner_contact.c.group_id == group_id)
        .values(revoked_at=None)
    )


async def groups_of(conn: AsyncConnection, person_id: int) -> list[int]:
    rows = await conn.execute(
        select(partner_contact.c.group_id)
        .where(partner_contact.c.person_id == person_id, partner_contact.c.revoked_at.is_(None))
        .order_by(partner_contact.c.group_id)
    )
    return [gid for (gid,) in rows]


async def list_all(conn: AsyncConnection) -> list[ContactRow]:
    rows = await conn.execute(
        select(
            person.c.telegram_id,
            partner_contact.c.group_id,
            partner_contact.c.created_at,
            partner_contact.c.revoked_at,
        )
        .join(person, person.c.id == partner_contact.c.person_id)
        .order_by(partner_contact.c.id)
    )
    return [ContactRow(*r) for r in rows]


async def revoke(conn: AsyncConnection, person_id: int, now: datetime) -> bool:
    result = await conn.execute(
        update(partner_contact)
        .where(partner_contact.c.person_id == person_id, partner_contact.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)
