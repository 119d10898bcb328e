"""People a facilitator removed from a group, remembered without their Telegram id.

Only a keyed hash of the id is kept, under a random salt of the group's own, so the table
alone lists nobody and cannot be matched against another group's or another database's. It
outlives /forget on purpose (a removal is not undone by erasing oneself) and goes with the
group.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignore
from bot.storage.tables import group, removed_person

SALT_BYTES = 16


def digest(salt: str, telegram_id: int) -> str:
    key = bytes.fromhex(salt)
    return hashlib.blake2b(str(telegram_id).encode(), key=key, digest_size=32).hexdigest()


async def _salt(conn: AsyncConnection, group_id: int) -> str | None:
    row = (await conn.execute(select(group.c.removal_salt).where(group.c.id == group_id))).first()
    return row[0] if row else None


async def remember(conn: AsyncConnection, group_id: int, telegram_id: int, now: datetime) -> None:
    """Note a removal; the group's salt is made at its first one."""
    await conn.execute(
        update(group)
        .where(group.c.id == group_id, group.c.removal_salt.is_(None))
        .values(removal_salt=secrets.token_hex(SALT_BYTES))
    )
    salt = await _salt(conn, group_id)
    assert salt is not None
    await conn.execute(
        insert_ignore(conn, removed_person, "group_id", "digest").values(
            group_id=group_id, digest=digest(salt, telegram_id), removed_at=now
        )
    )


async def was_removed(conn: AsyncConnection, group_id: int, telegram_id: int) -> bool:
    salt = await _salt(conn, group_id)
    if salt is None:
        return False  # nobody was ever removed from this group
    found = await conn.execute(
        select(removed_person.c.id).where(
            removed_person.c.group_id == group_id,
            removed_person.c.digest == digest(salt, telegram_id),
        )
    )
    return found.first() is not None
