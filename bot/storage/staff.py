"""Staff (facilitators, recorders) and which groups each facilitator facilitates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.sql import insert_ignore
from bot.storage.tables import facilitation, group, outbox, person, staff

FACILITATOR = "facilitator"
RECORDER = "recorder"  # records the programme's voice messages (staff.languages)


@dataclass(frozen=True)
class StaffRow:
    id: int
    person_id: int
    telegram_id: int
    first_name: str | None
    accepted_conduct_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None
    role: str = FACILITATOR
    languages: tuple[str, ...] = ()  # a recorder's

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.accepted_conduct_at is not None


def _active_staff() -> tuple[ColumnElement[bool], ...]:
    return (
        staff.c.role == FACILITATOR,
        staff.c.revoked_at.is_(None),
        staff.c.accepted_conduct_at.is_not(None),
    )


async def get(conn: AsyncConnection, person_id: int, role: str = FACILITATOR) -> StaffRow | None:
    row = (
        await conn.execute(
            select(staff, person.c.telegram_id, person.c.first_name)
            .join(person, person.c.id == staff.c.person_id)
            .where(staff.c.person_id == person_id, staff.c.role == role)
        )
    ).first()
    return _row(row) if row else None


async def by_id(conn: AsyncConnection, staff_id: int) -> StaffRow | None:
    row = (
        await conn.execute(
            select(staff, person.c.telegram_id, person.c.first_name)
            .join(person, person.c.id == staff.c.person_id)
            .where(staff.c.id == staff_id)
        )
    ).first()
    return _row(row) if row else None


def _row(r: object) -> StaffRow:
    m = r._mapping  # type: ignore[attr-defined]
    return StaffRow(
        id=m["id"],
        person_id=m["person_id"],
        telegram_id=m["telegram_id"],
        first_name=m["first_name"],
        accepted_conduct_at=m["accepted_conduct_at"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
        role=m["role"],
        languages=split_languages(m["languages"]),
    )


def split_languages(stored: str | None) -> tuple[str, ...]:
    """ "bm,fr" as stored in staff.languages and invite.languages."""
    return tuple(code for code in (stored or "").split(",") if code)


async def list_all(conn: AsyncConnection, role: str = FACILITATOR) -> list[StaffRow]:
    rows = await conn.execute(
        select(staff, person.c.telegram_id, person.c.first_name)
        .join(person, person.c.id == staff.c.person_id)
        .where(staff.c.role == role)
        .order_by(staff.c.id)
    )
    return [_row(r) for r in rows]


async def make_facilitator(conn: AsyncConnection, person_id: int, now: datetime) -> None:
    """Create or revive the role, with the code of conduct accepted now."""
    existing = await get(conn, person_id)
    if existing is None:
        await conn.execute(
            staff.insert().values(
                person_id=person_id, role=FACILITATOR, accepted_conduct_at=now, created_at=now
            )
        )
    else:
        await conn.execute(
            update(staff)
            .where(staff.c.id == existing.id)
            .values(accepted_conduct_at=now, revoked_at=None)
        )


async def make_recorder(
    conn: AsyncConnection, person_id: int, languages: tuple[str, ...], now: datetime
) -> tuple[str, ...]:
    """Create or revive the recorder role with the code of conduct accepted now: an active
    recorder invited for more languages keeps the ones he had. Returns his languages."""
    existing = await get(conn, person_id, RECORDER)
    if existing is None:
        await conn.execute(
            staff.insert().values(
                person_id=person_id,
                role=RECORDER,
                languages=",".join(languages),
                accepted_conduct_at=now,
                created_at=now,
            )
        )
        return languages
    kept = existing.languages if existing.active else ()
    merged = tuple(dict.fromkeys([*kept, *languages]))
    await conn.execute(
        update(staff)
        .where(staff.c.id == existing.id)
        .values(languages=",".join(merged), accepted_conduct_at=now, revoked_at=None)
    )
    return merged


async def revoke_recorder(conn: AsyncConnection, person_id: int, now: datetime) -> bool:
    """End the recorder role (his recordings stay, as who recorded them)."""
    result = await conn.execute(
        update(staff)
        .where(
            staff.c.person_id == person_id,
            staff.c.role == RECORDER,
            staff.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


async def revoke(conn: AsyncConnection, person_id: int, now: datetime) -> bool:
    """End the role and every facilitation; pending messages to them as staff are dropped."""
    result = await conn.execute(
        update(staff)
        .where(
            staff.c.person_id == person_id,
            staff.c.role == FACILITATOR,
            staff.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    if not result.rowcount:
        return False
    await conn.execute(delete(facilitation).where(facilitation.c.person_id == person_id))
    await conn.execute(
        update(outbox)
        .where(
            outbox.c.person_id == person_id,
            outbox.c.status.in_(("pending", "sending")),
            outbox.c.membership_id.is_(None),
        )
        .values(status="expired", last_error="revoked")
    )
    return True


async def add_facilitation(
    conn: AsyncConnection, group_id: int, person_id: int, now: datetime
) -> None:
    await conn.execute(
        insert_ignore(conn, facilitation, "group_id", "person_id").values(
            group_id=group_id, person_id=person_id, created_at=now
        )
    )


async def groups_of(conn: AsyncConnection, person_id: int) -> list[int]:
    """The groups an active facilitator runs (none for anyone else)."""
    rows = await conn.execute(
        select(facilitation.c.group_id)
        .join(staff, staff.c.person_id == facilitation.c.person_id)
        .where(facilitation.c.person_id == person_id, *_active_staff())
        .order_by(facilitation.c.group_id)
    )
    return [r[0] for r in rows]


async def facilitated_group_names(conn: AsyncConnection) -> dict[int, list[str]]:
    """Each active facilitator's groups (by person id), names in group order: one query."""
    rows = await conn.execute(
        select(facilitation.c.person_id, group.c.name)
        .join(group, group.c.id == facilitation.c.group_id)
        .join(staff, staff.c.person_id == facilitation.c.person_id)
        .where(*_active_staff())
        .order_by(facilitation.c.person_id, group.c.id)
    )
    found: dict[int, list[str]] = {}
    for person_id, name in rows:
        found.setdefault(person_id, []).append(name)
    return found


async def facilitator_count(conn: AsyncConnection, group_id: int) -> int:
    rows = await conn.execute(
        select(facilitation.c.person_id)
        .join(staff, staff.c.person_id == facilitation.c.person_id)
        .where(facilitation.c.group_id == group_id, *_active_staff())
    )
    return len(rows.all())


async def group_names(conn: AsyncConnection, person_id: int) -> list[str]:
    rows = await conn.execute(
        select(group.c.name)
        .join(facilitation, facilitation.c.group_id == group.c.id)
        .where(facilitation.c.person_id == person_id)
        .order_by(group.c.id)
    )
    return [r[0] for r in rows]


async def fan_out(
    conn: AsyncConnection,
    *,
    group_id: int,
    week: int,
    kind: str,
    due_at: datetime,
    status: str,
) -> int:
    """One outbox row per active facilitator of the group: key g{group}:w{week}:{kind}:f{person}."""
    key = literal(f"g{group_id}:w{week}:{kind}:f", String) + cast(person.c.id, String)
    source = (
        select(
            key,
            person.c.telegram_id,
            person.c.id,
            literal(group_id),
            literal(kind, String),
            literal(week),
            literal(due_at, outbox.c.due_at.type),
            literal(status, String),
            literal(0),
        )
        .select_from(
            facilitation.join(person, person.c.id == facilitation.c.person_id).join(
                staff, staff.c.person_id == facilitation.c.person_id
            )
        )
        .where(
            facilitation.c.group_id == group_id,
            person.c.blocked.is_(False),
            *_active_staff(),
        )
    )
    stmt = insert_ignore(conn, outbox, "key").from_select(
        ["key", "chat_id", "person_id", "group_id", "kind", "week", "due_at", "status", "attempts"],
        source,
    )
    return (await conn.execute(stmt)).rowcount or 0
