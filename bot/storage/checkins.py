"""Check-ins: a value per membership and week, never free text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.outbox import SENDING, SENT, item_key
from bot.storage.sql import upsert
from bot.storage.tables import checkin, group, membership, outbox

# "hard": the private "it was difficult" answer to a joint exercise.
VALUES = ("done", "partly", "notyet", "hard")


@dataclass(frozen=True)
class Answer:
    """One press of a check-in button: who pressed it, and what it says."""

    person_id: int
    membership_id: int
    week: int
    value: str
    kind: str


async def answerable(conn: AsyncConnection, answers: Sequence[Answer]) -> list[str | None]:
    """For each answer, the curriculum id when this person may give it: the membership is
    theirs and Foyer really sent that week's check-in (forged weeks change nothing). Two
    queries for any number of presses, because they run together on every press."""
    rows = await conn.execute(
        select(membership.c.id, membership.c.person_id, group.c.id, group.c.curriculum_id)
        .select_from(membership.join(group))
        .where(membership.c.id.in_({a.membership_id for a in answers}))
    )
    owners = {m_id: (person_id, g_id, cur) for m_id, person_id, g_id, cur in rows}
    keys: list[str | None] = []
    for a in answers:
        owner = owners.get(a.membership_id)
        if owner is None or owner[0] != a.person_id:
            keys.append(None)
        else:
            keys.append(item_key(owner[1], a.week, a.kind, a.membership_id))
    wanted = {k for k in keys if k is not None}
    sent: set[str] = set()
    if wanted:
        found = await conn.execute(
            # Sending: the sender records a message a moment after Telegram took it, and a
            # quick thumb may press its button in between.
            select(outbox.c.key).where(
                outbox.c.key.in_(wanted), outbox.c.status.in_((SENT, SENDING))
            )
        )
        sent = set(found.scalars())
    return [
        owners[a.membership_id][2] if key in sent else None
        for a, key in zip(answers, keys, strict=True)
    ]


async def record(conn: AsyncConnection, answers: Sequence[Answer], now: datetime) -> None:
    """One answer per membership and week; answering again replaces it. One executemany."""
    if any(a.value not in VALUES for a in answers):
        raise ValueError("unknown check-in value")
    if answers:
        stmt = upsert(conn, checkin, ("membership_id", "week"), ("value", "answered_at"))
        await conn.execute(
            stmt,
            [
                {
                    "membership_id": a.membership_id,
                    "week": a.week,
                    "value": a.value,
                    "answered_at": now,
                }
                for a in answers
            ],
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
