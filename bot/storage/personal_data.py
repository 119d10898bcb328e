"""Everything stored about one person, across tables: to export it (/mydata) or erase it.

The tables that point at a person or at one of their memberships are found from the schema's
foreign keys, so a table added later (by any feature) is exported and erased without an edit
here. What a foreign key says on delete is what happens: CASCADE rows go, SET NULL rows lose
the link and stay (a facilitator's broadcast to a group, a concern the safeguarding team acts on).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import membership, metadata, outbox, person

# Outbox kinds whose `ref` holds how to reach a person (a contact request to a focal point):
# cleared as soon as it is sent, and on /forget removed while still pending.
CONTACT_KIND = "contact_request"


def _links(target: Table) -> list[tuple[Table, Column[Any], str | None]]:
    """(table, column, ondelete) for every foreign key pointing at target.id."""
    found = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is target and fk.column.name == "id":
                col = fk.parent
                found.append((table, col, fk.ondelete))
    return found


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export(conn: AsyncConnection, person_id: int) -> dict[str, list[dict[str, object]]]:
    """Every row that belongs to the person, table by table."""
    row = (await conn.execute(select(person).where(person.c.id == person_id))).first()
    if row is None:
        return {}
    out: dict[str, list[dict[str, object]]] = {
        "person": [{k: _jsonable(v) for k, v in row._mapping.items()}]
    }
    mids = list(
        (
            await conn.execute(select(membership.c.id).where(membership.c.person_id == person_id))
        ).scalars()
    )
    seen: set[tuple[str, object]] = set()
    for target, key_values in ((person, [person_id]), (membership, mids)):
        for table, col, _ondelete in _links(target):
            if not key_values or (table is membership and col.name == "partner_of"):
                continue
            rows = await conn.execute(select(table).where(col.in_(key_values)))
            for r in rows:
                ident = (table.name, r._mapping.get("id"))
                if ident in seen:
                    continue
                seen.add(ident)
                out.setdefault(table.name, []).append(
                    {k: _jsonable(v) for k, v in r._mapping.items()}
                )
    # Messages addressed to the person's chat but not tied to a membership (notifications).
    rows = await conn.execute(
        select(outbox).where(outbox.c.chat_id == row.telegram_id, outbox.c.person_id.is_(None))
    )
    for r in rows:
        out.setdefault("outbox", []).append({k: _jsonable(v) for k, v in r._mapping.items()})
    return out


async def erase(conn: AsyncConnection, person_id: int) -> bool:
    """Remove the person and everything that names them; False when there was no such person.

    Done explicitly table by table (not left to the database's ON DELETE), so it behaves the
    same whether or not foreign keys are enforced.
    """
    row = (await conn.execute(select(person).where(person.c.id == person_id))).first()
    if row is None:
        return False
    telegram_id = row.telegram_id
    mids = list(
        (
            await conn.execute(select(membership.c.id).where(membership.c.person_id == person_id))
        ).scalars()
    )
    for target, key_values in ((membership, mids), (person, [person_id])):
        if not key_values:
            continue
        for table, col, ondelete in _links(target):
            if table is membership and target is person:
                continue  # the memberships themselves go last, after what points at them
            where = col.in_(key_values)
            if (ondelete or "").upper() == "CASCADE":
                await conn.execute(delete(table).where(where))
            else:
                await conn.execute(update(table).where(where).values({col.name: None}))
    await conn.execute(
        delete(outbox).where(
            (outbox.c.chat_id == telegram_id)
            | ((outbox.c.kind == CONTACT_KIND) & outbox.c.ref.like(f"{telegram_id}:%"))
        )
    )
    await conn.execute(delete(membership).where(membership.c.person_id == person_id))
    await conn.execute(delete(person).where(person.c.id == person_id))
    return True


async def clear_contact_ref(conn: AsyncConnection, outbox_id: int) -> None:
    await conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(ref=None))


async def clear_stale_contact_refs(conn: AsyncConnection) -> int:
    """Contact requests that will never be sent (failed, expired, blocked) forget the handle."""
    result = await conn.execute(
        update(outbox)
        .where(
            outbox.c.kind == CONTACT_KIND,
            outbox.c.status.not_in(("pending", "sending")),
            outbox.c.ref.is_not(None),
        )
        .values(ref=None)
    )
    return result.rowcount or 0
