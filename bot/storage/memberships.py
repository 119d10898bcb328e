"""Memberships: a person's place in a group, with status and progress opt-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.tables import membership, person

ACTIVE_STATES = ("active", "paused")
LEFT_STATES = ("stopped", "removed")  # left_at holds when: `retained` counts past periods by it


@dataclass(frozen=True)
class MembershipRow:
    id: int
    person_id: int
    group_id: int
    role: str
    status: str
    paused_until: datetime | None
    progress_opt_in: bool
    number: int
    joined_at: datetime


def _row(r: object) -> MembershipRow:
    m = r._mapping  # type: ignore[attr-defined]
    return MembershipRow(
        id=m["id"],
        person_id=m["person_id"],
        group_id=m["group_id"],
        role=m["role"],
        status=m["status"],
        paused_until=m["paused_until"],
        progress_opt_in=m["progress_opt_in"],
        number=m["number"],
        joined_at=m["joined_at"],
    )


def receiving_at(moment: datetime) -> ColumnElement[bool]:
    """Memberships that receive programme messages at a moment: active, or a pause that ended."""
    return and_(
        person.c.blocked.is_(False),
        or_(
            membership.c.status == "active",
            and_(
                membership.c.status == "paused",
                membership.c.paused_until.is_not(None),
                membership.c.paused_until <= moment,
            ),
        ),
    )


async def find(
    conn: AsyncConnection, person_id: int, group_id: int, role: str = "member"
) -> MembershipRow | None:
    row = (
        await conn.execute(
            select(membership).where(
                membership.c.person_id == person_id,
                membership.c.group_id == group_id,
                membership.c.role == role,
            )
        )
    ).first()
    return _row(row) if row else None


async def get(conn: AsyncConnection, membership_id: int) -> MembershipRow | None:
    row = (await conn.execute(select(membership).where(membership.c.id == membership_id))).first()
    return _row(row) if row else None


async def of_person(conn: AsyncConnection, person_id: int) -> list[MembershipRow]:
    rows = await conn.execute(
        select(membership).where(membership.c.person_id == person_id).order_by(membership.c.id)
    )
    return [_row(r) for r in rows]


async def enroll(
    conn: AsyncConnection,
    *,
    person_id: int,
    group_id: int,
    role: str,
    progress_opt_in: bool,
    now: datetime,
    partner_of: int | None = None,
) -> MembershipRow:
    """Join, or re-join after /stop: the same row comes back to life (taking part again)."""
    existing = await find(conn, person_id, group_id, role)
    if existing is not None:
        await conn.execute(
            update(membership)
            .where(membership.c.id == existing.id)
            .values(
                status="active",
                left_at=None,
                paused_until=None,
                progress_opt_in=progress_opt_in,
                partner_of=partner_of,
            )
        )
    else:
        number = (
            await conn.execute(
                select(func.coalesce(func.max(membership.c.number), 0) + 1).where(
                    membership.c.group_id == group_id
                )
            )
        ).scalar_one()
        await conn.execute(
            membership.insert().values(
                person_id=person_id,
                group_id=group_id,
                role=role,
                status="active",
                progress_opt_in=progress_opt_in,
                number=number,
                joined_at=now,
                partner_of=partner_of,
            )
        )
    joined = await find(conn, person_id, group_id, role)
    assert joined is not None
    return joined


async def set_status(
    conn: AsyncConnection,
    person_id: int,
    *,
    from_states: tuple[str, ...],
    status: str,
    now: datetime,
    paused_until: datetime | None = None,
) -> int:
    """Change every matching membership of a person; returns how many changed. Leaving dates
    the change (`now`); taking part again clears the date."""
    result = await conn.execute(
        update(membership)
        .where(membership.c.person_id == person_id, membership.c.status.in_(from_states))
        .values(status=status, paused_until=paused_until, left_at=_left_at(status, now))
    )
    return result.rowcount or 0


async def remove(conn: AsyncConnection, membership_id: int, now: datetime) -> None:
    """A facilitator removed the member: the row stays (a link alone never brings him back)."""
    await conn.execute(
        update(membership)
        .where(membership.c.id == membership_id)
        .values(status="removed", left_at=_left_at("removed", now))
    )


def _left_at(status: str, now: datetime) -> datetime | None:
    return now if status in LEFT_STATES else None


async def active_partnerships(conn: AsyncConnection, person_id: int) -> list[MembershipRow]:
    """The person's active partner memberships (a partner is linked to one member at a time)."""
    rows = await conn.execute(
        select(membership)
        .where(
            membership.c.person_id == person_id,
            membership.c.role == "partner",
            membership.c.status.in_(ACTIVE_STATES),
        )
        .order_by(membership.c.id)  # the same order on PostgreSQL as on SQLite
    )
    return [_row(r) for r in rows]
