"""Everything stored about one person, across tables: to export it (/mydata) or erase it.

/mydata is written from an allow-list: for each table, the fields that are about the person
themselves. It never follows keys outward, so nothing about anyone else rides along (a partner
invitation's use, the staff member who made it, a partner's link). Every column of the schema
is either listed in EXPORTED or named in NOT_EXPORTED with the reason, and a test checks that
the two cover the schema, so a column added later needs a decision here.

Erasure does follow the schema's foreign keys, so a table added later is erased without an edit
here. What a foreign key says on delete is what happens: CASCADE rows go, SET NULL rows lose
the link and stay (a facilitator's broadcast to a group, a concern the safeguarding team acts on).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.outbox_kinds import OutboxKind
from bot.storage.tables import (
    broadcast,
    checkin,
    concern,
    erasable,
    facilitation,
    group,
    membership,
    metadata,
    outbox,
    partner_contact,
    person,
    recording,
    staff,
)

# Outbox kinds whose `ref` holds how to reach a person (a contact request to a focal point):
# cleared as soon as it is sent, and on /forget removed while still pending.
CONTACT_KIND = OutboxKind.CONTACT_REQUEST

# table -> the fields /mydata shows, in this order. "group" (a group's name) is added to the
# rows of the tables in WITH_GROUP_NAME, except a partner's membership: her partner's group is
# about him.
EXPORTED: dict[str, tuple[str, ...]] = {
    "person": (
        "telegram_id",
        "language",
        "first_name",
        "discreet",
        "silent",
        "auto_erase_hours",
        "voice_mode",
        "blocked",
        "blocked_at",
        "created_at",
        "last_seen_at",
        "voice_mode",
    ),
    "membership": (
        "role",
        "status",
        "paused_until",
        "progress_opt_in",
        "number",
        "joined_at",
        "left_at",
    ),
    "checkin": ("week", "value", "answered_at"),
    "outbox": ("kind", "week", "status", "due_at", "sent_at"),
    "erasable": ("message_id", "sent_at", "erase_at"),
    "concern": (
        "reference",
        "kind",
        "about",
        "anonymous",
        "text",
        "status",
        "created_at",
        "purge_after",
    ),
    "staff": ("role", "languages", "accepted_conduct_at", "created_at", "revoked_at"),
    "facilitation": ("created_at",),
    "partner_contact": ("created_at", "revoked_at"),
    "broadcast": ("kind", "text", "created_at", "confirmed_at", "send_at"),
    # The recordings a recorder made (his voice, kept by Telegram): what each is of, and when.
    "recording": (
        "curriculum_id",
        "week",
        "item",
        "language",
        "status",
        "duration",
        "created_at",
        "submitted_at",
        "reviewed_at",
    ),
}
WITH_GROUP_NAME = ("membership", "facilitation", "partner_contact", "broadcast")
# A partner's membership number counts the group's joiners before her: about others.
PARTNER_HIDDEN = ("number",)

# Columns /mydata leaves out, and why. Internal ids and keys mean nothing to the person and
# point at other rows; the rest would tell about someone else.
_INTERNAL = "an internal number or key"
NOT_EXPORTED: dict[str, dict[str, str]] = {
    "person": {"id": _INTERNAL},
    "membership": {
        "id": _INTERNAL,
        "person_id": _INTERNAL,
        "group_id": "shown as the group's name",
        "partner_of": "whose partner she is: about him",
    },
    "checkin": {"id": _INTERNAL, "membership_id": _INTERNAL},
    "outbox": {
        "id": _INTERNAL,
        "key": _INTERNAL,
        "chat_id": "the person's own Telegram id, shown once in person",
        "person_id": _INTERNAL,
        "membership_id": _INTERNAL,
        "group_id": _INTERNAL,
        "ref": "points at another row (a broadcast, a concern) or holds someone's handle",
        "attempts": "Telegram's hiccups, not the person",
        "next_attempt_at": "Telegram's hiccups, not the person",
        "last_error": "Telegram's hiccups, not the person",
        "message_id": "Telegram's number for the message, shown in erasable while deletable",
        "claimed_by": "which of Foyer's workers sent it, not the person",
    },
    "erasable": {"id": _INTERNAL, "person_id": _INTERNAL, "chat_id": "the person's own id"},
    "concern": {
        "id": _INTERNAL,
        "reporter_id": _INTERNAL,
        "group_id": "a group, not the person",
    },
    "staff": {"id": _INTERNAL, "person_id": _INTERNAL},
    "facilitation": {
        "id": _INTERNAL,
        "person_id": _INTERNAL,
        "group_id": "shown as the group's name",
    },
    "partner_contact": {
        "id": _INTERNAL,
        "person_id": _INTERNAL,
        "group_id": "shown as the group's name",
    },
    "broadcast": {
        "id": _INTERNAL,
        "author_id": _INTERNAL,
        "group_id": "shown as the group's name",
        "file_id": "Telegram's reference to the file, not its content",
        "summarized_at": "when the delivery summary went out: about the members",
    },
    "recording": {
        "id": _INTERNAL,
        "bot_id": "which of the organisation's bots holds the file",
        "file_id": "Telegram's reference to the file, not its content",
        "file_unique_id": "Telegram's reference to the file, not its content",
        "recorded_by": _INTERNAL,
        "reviewed_by": "who reviewed it: another person",
        "reason": "the reviewer's words (sent to the recorder when written): another person's",
    },
    "audio_upload": {"*": "the programme's files Foyer uploaded to Telegram, nobody's"},
    # Whole tables that are about a group or someone else, never about the person alone.
    "group": {"*": "a group's settings and schedule"},
    "invite": {"*": "links to give to others; a partner's invitation tells whether she joined"},
    "session_log": {"*": "a group's meetings"},
    "removed_person": {"*": "a salted hash, kept apart from the person on purpose"},
    "worker": {"*": "Foyer's own running senders"},
    "handled_update": {"*": "Telegram's ids of the updates handled, for a day, nobody's"},
    "service_mark": {"*": "when Foyer's own jobs last ran"},
    "help_count": {"*": "how often help was shown, per day, group and language: nobody's"},
}


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows_of(
    pid: int, telegram_id: int, mids: list[int]
) -> list[tuple[Table, ColumnElement[bool]]]:
    """Where each exported table keeps the person's own rows."""
    return [
        (membership, membership.c.person_id == pid),
        (checkin, checkin.c.membership_id.in_(mids)),
        (
            outbox,
            (outbox.c.person_id == pid)
            | outbox.c.membership_id.in_(mids)
            | ((outbox.c.chat_id == telegram_id) & outbox.c.person_id.is_(None)),
        ),
        (erasable, erasable.c.person_id == pid),
        (concern, concern.c.reporter_id == pid),
        (staff, staff.c.person_id == pid),
        (facilitation, facilitation.c.person_id == pid),
        (partner_contact, partner_contact.c.person_id == pid),
        (broadcast, broadcast.c.author_id == pid),
        (recording, recording.c.recorded_by == pid),
    ]


async def export(conn: AsyncConnection, person_id: int) -> dict[str, list[dict[str, object]]]:
    """The person's own rows, table by table, each with only its EXPORTED fields."""
    row = (await conn.execute(select(person).where(person.c.id == person_id))).first()
    if row is None:
        return {}
    names = {g.id: g.name for g in await conn.execute(select(group.c.id, group.c.name))}
    mids = list(
        (
            await conn.execute(select(membership.c.id).where(membership.c.person_id == person_id))
        ).scalars()
    )
    out: dict[str, list[dict[str, object]]] = {"person": [_fields(person, row._mapping, names)]}
    for table, where in _rows_of(person_id, row.telegram_id, mids):
        for r in await conn.execute(select(table).where(where).order_by(table.c.id)):
            out.setdefault(table.name, []).append(_fields(table, r._mapping, names))
    return out


def _fields(table: Table, m: Any, names: dict[int, str]) -> dict[str, object]:
    fields = EXPORTED[table.name]
    if table is membership and m["role"] == "partner":
        fields = tuple(f for f in fields if f not in PARTNER_HIDDEN)
    out = {f: _jsonable(m[f]) for f in fields}
    if table.name in WITH_GROUP_NAME and not (table is membership and m["role"] == "partner"):
        out["group"] = names.get(m["group_id"])
    return out


def _links(target: Table) -> list[tuple[Table, Column[Any], str | None]]:
    """(table, column, ondelete) for every foreign key pointing at target.id."""
    found = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is target and fk.column.name == "id":
                col = fk.parent
                found.append((table, col, fk.ondelete))
    return found


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
