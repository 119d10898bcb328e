"""Invite codes: random, URL-safe, within Telegram's deep-link limit."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import invite

# 12 random bytes = 96 bits, 16 characters of [A-Za-z0-9_-].
CODE_BYTES = 12
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class InviteRow:
    id: int
    code: str
    kind: str
    group_id: int | None
    expires_at: datetime | None
    single_use: bool
    used_at: datetime | None
    revoked_at: datetime | None
    membership_id: int | None = None
    languages: str | None = None  # a recorder invitation's, "bm,fr"

    def usable(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return not (self.single_use and self.used_at is not None)


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


async def create(
    conn: AsyncConnection,
    *,
    kind: str,
    group_id: int | None,
    now: datetime,
    expires_at: datetime | None = None,
    single_use: bool = False,
    membership_id: int | None = None,
    created_by: int | None = None,
    languages: str | None = None,
) -> str:
    code = new_code()
    await conn.execute(
        invite.insert().values(
            code=code,
            kind=kind,
            group_id=group_id,
            created_at=now,
            expires_at=expires_at,
            single_use=single_use,
            membership_id=membership_id,
            created_by=created_by,
            languages=languages,
        )
    )
    return code


async def find(conn: AsyncConnection, code: str) -> InviteRow | None:
    if not CODE_PATTERN.match(code):
        return None
    row = (await conn.execute(select(invite).where(invite.c.code == code))).first()
    if row is None:
        return None
    m = row._mapping
    return InviteRow(
        id=m["id"],
        code=m["code"],
        kind=m["kind"],
        group_id=m["group_id"],
        expires_at=m["expires_at"],
        single_use=m["single_use"],
        used_at=m["used_at"],
        revoked_at=m["revoked_at"],
        membership_id=m["membership_id"],
        languages=m["languages"],
    )


async def current_member_code(conn: AsyncConnection, group_id: int) -> str | None:
    row = (
        await conn.execute(
            select(invite.c.code)
            .where(
                invite.c.group_id == group_id,
                invite.c.kind == "member",
                invite.c.revoked_at.is_(None),
            )
            .order_by(invite.c.id.desc())
        )
    ).first()
    return row[0] if row else None


async def revoke_member_codes(conn: AsyncConnection, group_id: int, now: datetime) -> None:
    await conn.execute(
        update(invite)
        .where(
            invite.c.group_id == group_id,
            invite.c.kind == "member",
            invite.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


async def mark_used(conn: AsyncConnection, invite_id: int, now: datetime) -> bool:
    """Spend a code; False when it was spent already (another redemption came first)."""
    result = await conn.execute(
        update(invite)
        .where(invite.c.id == invite_id, invite.c.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)
