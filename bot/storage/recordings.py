"""The audio library: recordings of the programme made by staff in Telegram, and their review.

One place for the `recording` table. Only an approved recording ever reaches a member; at
most one is approved per key at a time (approving another marks the old one replaced, in the
same transaction). Rows hold staff ids and Telegram's file ids, never member data.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.audio import AudioItem, AudioKey, RecordingStatus
from bot.storage.tables import recording


@dataclass(frozen=True)
class Recording:
    id: int
    key: AudioKey
    status: RecordingStatus
    bot_id: int
    file_id: str
    file_unique_id: str | None
    duration: int
    recorded_by: int | None
    reviewed_by: int | None
    reason: str | None
    created_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None


def _recording(row: Row[tuple[object, ...]]) -> Recording:
    m = row._mapping
    return Recording(
        id=m["id"],
        key=AudioKey(m["curriculum_id"], m["week"], AudioItem(m["item"]), m["language"]),
        status=RecordingStatus(m["status"]),
        bot_id=m["bot_id"],
        file_id=m["file_id"],
        file_unique_id=m["file_unique_id"],
        duration=m["duration"],
        recorded_by=m["recorded_by"],
        reviewed_by=m["reviewed_by"],
        reason=m["reason"],
        created_at=m["created_at"],
        submitted_at=m["submitted_at"],
        reviewed_at=m["reviewed_at"],
    )


def of_key(key: AudioKey) -> ColumnElement[bool]:
    """The rows of one key (the columns of ix_recording_key, in its order)."""
    return (
        (recording.c.curriculum_id == key.curriculum)
        & (recording.c.week == key.week)
        & (recording.c.item == key.item.value)
        & (recording.c.language == key.language)
    )


async def approved(conn: AsyncConnection, key: AudioKey) -> Recording | None:
    """The recording members receive for ``key``, if one is approved."""
    row = (
        await conn.execute(
            select(recording)
            .where(of_key(key), recording.c.status == RecordingStatus.APPROVED.value)
            .order_by(recording.c.reviewed_at.desc(), recording.c.id.desc())
            .limit(1)
        )
    ).first()
    return _recording(row) if row is not None else None


async def all_approved(conn: AsyncConnection) -> list[Recording]:
    """Every approved recording, in the order of their keys (exports, coverage)."""
    rows = await conn.execute(
        select(recording)
        .where(recording.c.status == RecordingStatus.APPROVED.value)
        .order_by(
            recording.c.curriculum_id,
            recording.c.week,
            recording.c.item,
            recording.c.language,
            recording.c.id,
        )
    )
    return [_recording(r) for r in rows]


async def get(conn: AsyncConnection, recording_id: int) -> Recording | None:
    row = (await conn.execute(select(recording).where(recording.c.id == recording_id))).first()
    return _recording(row) if row is not None else None


# --- recording and review (the recorders' workflow, bot/services/recordings.py) --------------


async def add_draft(
    conn: AsyncConnection,
    key: AudioKey,
    *,
    bot_id: int,
    file_id: str,
    file_unique_id: str | None,
    duration: int,
    recorded_by: int,
    now: datetime,
) -> int:
    """A new draft of ``key`` by this recorder, in place of any draft of his for that key."""
    await conn.execute(
        delete(recording).where(
            of_key(key),
            recording.c.status == RecordingStatus.DRAFT.value,
            recording.c.recorded_by == recorded_by,
        )
    )
    return await _insert(
        conn, key, RecordingStatus.DRAFT, bot_id=bot_id, file_id=file_id,
        file_unique_id=file_unique_id, duration=duration, recorded_by=recorded_by, created_at=now,
    )  # fmt: skip


async def _insert(
    conn: AsyncConnection, key: AudioKey, status: RecordingStatus, **columns: object
) -> int:
    """A new row of ``key`` in ``status``; ``columns`` the rest of it."""
    result = await conn.execute(
        insert(recording)
        .values(
            curriculum_id=key.curriculum,
            week=key.week,
            item=key.item.value,
            language=key.language,
            status=status.value,
            **columns,
        )
        .returning(recording.c.id)
    )
    return int(result.scalar_one())


def _own_draft(recording_id: int, person_id: int) -> ColumnElement[bool]:
    return (
        (recording.c.id == recording_id)
        & (recording.c.status == RecordingStatus.DRAFT.value)
        & (recording.c.recorded_by == person_id)
    )


async def discard_draft(conn: AsyncConnection, recording_id: int, person_id: int) -> bool:
    """Delete this recorder's own draft; False when it is not one (any more)."""
    result = await conn.execute(delete(recording).where(_own_draft(recording_id, person_id)))
    return bool(result.rowcount)


async def submit(conn: AsyncConnection, recording_id: int, person_id: int, now: datetime) -> bool:
    """His own draft now waits for a second person; False when it is not a draft of his."""
    result = await conn.execute(
        update(recording)
        .where(_own_draft(recording_id, person_id))
        .values(status=RecordingStatus.PENDING.value, submitted_at=now)
    )
    return bool(result.rowcount)


async def drop_drafts_of(conn: AsyncConnection, person_id: int) -> int:
    """A forgotten recorder's drafts (never submitted, seen by no one else) go with him."""
    result = await conn.execute(
        delete(recording).where(
            recording.c.recorded_by == person_id,
            recording.c.status == RecordingStatus.DRAFT.value,
        )
    )
    return result.rowcount or 0


def _pending_by_another(recording_id: int, reviewer_id: int) -> ColumnElement[bool]:
    """Still pending, and not recorded by the reviewer (a recording whose recorder was
    forgotten, recorded_by NULL, may be reviewed by anyone allowed)."""
    return (
        (recording.c.id == recording_id)
        & (recording.c.status == RecordingStatus.PENDING.value)
        & ((recording.c.recorded_by != reviewer_id) | recording.c.recorded_by.is_(None))
    )


async def approve(
    conn: AsyncConnection, recording_id: int, reviewer_id: int, now: datetime
) -> Recording | None:
    """Approve a pending recording in the caller's transaction: the key's approved one before
    it becomes replaced, so at most one is approved. None when it is not pending any more, or
    the reviewer recorded it.

    The key's rows are locked first (PostgreSQL; SQLite writes one at a time anyway): two
    reviewers approving two recordings of one key at once then run one after the other, and
    the second sees the first's approval and replaces it."""
    found = await get(conn, recording_id)
    if found is None:
        return None
    await conn.execute(select(recording.c.id).where(of_key(found.key)).with_for_update())
    result = await conn.execute(
        update(recording)
        .where(_pending_by_another(recording_id, reviewer_id))
        .values(status=RecordingStatus.APPROVED.value, reviewed_by=reviewer_id, reviewed_at=now)
    )
    if not result.rowcount:
        return None
    await conn.execute(
        update(recording)
        .where(
            of_key(found.key),
            recording.c.status == RecordingStatus.APPROVED.value,
            recording.c.id != recording_id,
        )
        .values(status=RecordingStatus.REPLACED.value)
    )
    return await get(conn, recording_id)


async def reject(
    conn: AsyncConnection, recording_id: int, reviewer_id: int, reason: str, now: datetime
) -> Recording | None:
    """Reject a pending recording with the reviewer's reason; None as for `approve`."""
    result = await conn.execute(
        update(recording)
        .where(_pending_by_another(recording_id, reviewer_id))
        .values(
            status=RecordingStatus.REJECTED.value,
            reviewed_by=reviewer_id,
            reviewed_at=now,
            reason=reason,
        )
    )
    return await get(conn, recording_id) if result.rowcount else None


async def pending(
    conn: AsyncConnection, languages: Collection[str], not_by: int | None
) -> list[Recording]:
    """Recordings waiting for review in these languages, oldest first, but those ``not_by``
    recorded (nobody approves his own)."""
    query = select(recording).where(
        recording.c.status == RecordingStatus.PENDING.value,
        recording.c.language.in_(list(languages)),
    )
    if not_by is not None:
        query = query.where((recording.c.recorded_by != not_by) | recording.c.recorded_by.is_(None))
    rows = await conn.execute(query.order_by(recording.c.submitted_at, recording.c.id))
    return [_recording(r) for r in rows]


async def statuses(conn: AsyncConnection, language: str) -> dict[AudioKey, set[RecordingStatus]]:
    """For coverage: each key of the language that has an approved or pending recording."""
    rows = await conn.execute(
        select(recording.c.curriculum_id, recording.c.week, recording.c.item, recording.c.status)
        .where(
            recording.c.language == language,
            recording.c.status.in_((RecordingStatus.APPROVED.value, RecordingStatus.PENDING.value)),
        )
        .distinct()
    )
    found: dict[AudioKey, set[RecordingStatus]] = {}
    for cur, week, item, status in rows:
        if item not in AudioItem._value2member_map_:
            continue
        key = AudioKey(cur, week, AudioItem(item), language)
        found.setdefault(key, set()).add(RecordingStatus(status))
    return found


# --- the organisation's copies (`foyer content audio`) and the sandbox ------------------------


async def pending_keys(conn: AsyncConnection) -> set[AudioKey]:
    """The keys with a recording submitted and waiting for review (coverage)."""
    rows = await conn.execute(
        select(recording.c.curriculum_id, recording.c.week, recording.c.item, recording.c.language)
        .where(recording.c.status == RecordingStatus.PENDING.value)
        .distinct()
    )
    return {AudioKey(c, w, AudioItem(i), lang) for c, w, i, lang in rows}


async def add_imported(
    conn: AsyncConnection,
    key: AudioKey,
    *,
    bot_id: int,
    file_id: str,
    file_unique_id: str | None,
    duration: int,
    now: datetime,
) -> int:
    """A recording from an export (`foyer content audio import`), approved as it was when
    exported: the key's approved recording, if any, becomes replaced in the same transaction,
    so one stays approved. Who recorded and approved it is not in an export: both stay NULL."""
    await conn.execute(
        update(recording)
        .where(of_key(key), recording.c.status == RecordingStatus.APPROVED.value)
        .values(status=RecordingStatus.REPLACED.value)
    )
    return await _insert(
        conn, key, RecordingStatus.APPROVED, bot_id=bot_id, file_id=file_id,
        file_unique_id=file_unique_id, duration=duration, created_at=now, submitted_at=now,
        reviewed_at=now,
    )  # fmt: skip


async def keys_of_files(conn: AsyncConnection, unique_ids: set[str]) -> dict[str, AudioKey]:
    """The keys of recordings by Telegram's file_unique_id (the sandbox names a voice message
    it shows; a file_unique_id is the same file for every bot)."""
    rows = await conn.execute(
        select(
            recording.c.file_unique_id,
            recording.c.curriculum_id,
            recording.c.week,
            recording.c.item,
            recording.c.language,
        ).where(recording.c.file_unique_id.in_(sorted(unique_ids)))
    )
    return {u: AudioKey(c, w, AudioItem(i), lang) for u, c, w, i, lang in rows}
