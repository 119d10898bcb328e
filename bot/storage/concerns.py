"""Concerns: the one free text Foyer stores, until its purge date."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outbox_kinds import OutboxKind
from bot.storage.tables import concern, outbox

STATUSES = ("open", "received", "closed")
# No 0/O or 1/I/L: a reference is read aloud on the phone and typed by hand.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    return "C-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class ConcernRow:
    id: int
    reference: str
    kind: str
    about: str
    anonymous: bool
    reporter_id: int | None
    group_id: int | None
    text: str
    status: str
    created_at: datetime
    purge_after: datetime


def _row(r: object) -> ConcernRow:
    m = r._mapping  # type: ignore[attr-defined]
    return ConcernRow(**{f: m[f] for f in ConcernRow.__dataclass_fields__})


async def add(
    conn: AsyncConnection,
    *,
    kind: str,
    about: str,
    anonymous: bool,
    reporter_id: int,
    group_id: int | None,
    text: str,
    now: datetime,
    purge_after: datetime,
) -> ConcernRow:
    for _attempt in range(8):  # 31^6 references: a clash is rare, two in a row rarer still
        ref = new_reference()
        if (await conn.execute(select(concern.c.id).where(concern.c.reference == ref))).first():
            continue
        await conn.execute(
            concern.insert().values(
                reference=ref,
                kind=kind,
                about=about,
                anonymous=anonymous,
                reporter_id=reporter_id,
                group_id=group_id,
                text=text,
                status="open",
                created_at=now,
                purge_after=purge_after,
            )
        )
        found = await by_reference(conn, ref)
        assert found is not None
        return found
    raise RuntimeError("could not find a free concern reference")


async def get(conn: AsyncConnection, concern_id: int) -> ConcernRow | None:
    row = (await conn.execute(select(concern).where(concern.c.id == concern_id))).first()
    return _row(row) if row else None


async def by_reference(conn: AsyncConnection, reference: str) -> ConcernRow | None:
    row = (await conn.execute(select(concern).where(concern.c.reference == reference))).first()
    return _row(row) if row else None


async def created_between(
    conn: AsyncConnection, start: datetime, end: datetime
) -> list[ConcernRow]:
    """Concerns raised in [start, end), the oldest first (what one notification announces)."""
    rows = await conn.execute(
        select(concern)
        .where(concern.c.created_at >= start, concern.c.created_at < end)
        .order_by(concern.c.created_at, concern.c.id)
    )
    return [_row(r) for r in rows]


async def of_reporter(conn: AsyncConnection, person_id: int) -> list[ConcernRow]:
    rows = await conn.execute(
        select(concern).where(concern.c.reporter_id == person_id).order_by(concern.c.id)
    )
    return [_row(r) for r in rows]


async def set_status(conn: AsyncConnection, concern_id: int, status: str) -> bool:
    """Move forward only (open -> received -> closed); False when nothing changed."""
    allowed_from = STATUSES[: STATUSES.index(status)]
    result = await conn.execute(
        update(concern)
        .where(concern.c.id == concern_id, concern.c.status.in_(allowed_from))
        .values(status=status)
    )
    return bool(result.rowcount)


async def unlink_reporter(conn: AsyncConnection, person_id: int) -> int:
    """The reporter asked to be forgotten: the concern stays, without a way back to them."""
    result = await conn.execute(
        update(concern)
        .where(concern.c.reporter_id == person_id)
        .values(reporter_id=None, anonymous=True)
    )
    return result.rowcount or 0


async def purge_due(conn: AsyncConnection, now: datetime) -> list[int]:
    """Delete every concern whose retention ended; returns their ids (for the log)."""
    due = (
        await conn.execute(
            select(concern.c.id, concern.c.reference).where(concern.c.purge_after <= now)
        )
    ).all()
    ids = [row.id for row in due]
    if ids:
        refs = [row.reference for row in due]
        statuses = [f"{r}:{s}" for r in refs for s in STATUSES]
        # The notifications about it go too: they name nothing, but point at nothing either.
        await conn.execute(
            delete(outbox).where(
                outbox.c.kind.in_((OutboxKind.CONCERN_NEW, OutboxKind.CONCERN_STATUS)),
                outbox.c.ref.in_(refs + statuses),
            )
        )
        await conn.execute(delete(concern).where(concern.c.id.in_(ids)))
    return ids
