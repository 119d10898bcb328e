"""Check-ins: a value per membership and week, never free text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignore
from bot.storage.tables import checkin, group, membership, outbox

# "hard": the private "it was difficult" answer to a joint exercise.
VALUES = ("done", "partly", "notyet", "hard")


async def answerable(
    conn: AsyncConnection, person_id: int, membership_id: int, week: int, kind: str
) -> str | None:
    """The curriculum id when this person may answer this check-in button: the membership is
    theirs and Foyer really sent that week's check-in (forged weeks change nothing). One query,
    because it runs on every press; the key is built as outbox.item_key builds it."""
    key = (
        literal("g")
        + cast(membership.c.group_id, String)
        + literal(f":w{week}:{kind}:m")
        + cast(membership.c.id, String)
    )
    sent = exists().where(outbox.c.key == key, outbox.c.status == "sent")
    row = await conn.execute(
        select(group.c.curriculum_id)
        .select_from(membership.join(group))
        .where(membership.c.id == membership_id, membership.c.person_id == person_id, sent)
    )
    return row.scalar_one_or_none()


async def record(
    conn: AsyncConnection, membership_id: int, week: int, value: str, now: datetime
) -> None:
    """One answer per week; answering again replaces it."""
    if value not in VALUES:
        raise ValueError(value)
    stmt = insert_ignore(conn, checkin, "membership_id", "week").values(
        membership_id=membership_id, week=week, value=value, answered_at=now
    )
    result = await conn.execute(stmt)
    if not result.rowcount:
        await conn.execute(
            update(checkin)
            .where(checkin.c.membership_id == membership_id, checkin.c.week == week)
            .values(value=value, answered_at=now)
        )


async def history(conn: AsyncConnection, person_id: int) -> list[tuple[str, int, str]]:
    """(group name, week, value) for a person's own /progress, oldest first."""
    rows = await conn.execute(
        select(group.c.name, checkin.c.week, checkin.c.value)
        .select_from(checkin.join(membership).join(group))
        .where(membership.c.person_id == person_id)
        .order_by(group.c.id, checkin.c.week)
    )
    return [(n, w, v) for n, w, v in rows]
