"""The audio library: recordings of the programme made by staff in Telegram, and their review.

One place for the `recording` table. Only an approved recording ever reaches a member; at
most one is approved per key at a time (approving another marks the old one replaced, in the
same transaction). Rows hold staff ids and Telegram's file ids, never member data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, insert, select, update
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
    new_id = (
        await conn.execute(
            insert(recording)
            .values(
                curriculum_id=key.curriculum,
                week=key.week,
                item=key.item.value,
                language=key.language,
                status=RecordingStatus.APPROVED.value,
                bot_id=bot_id,
                file_id=file_id,
                file_unique_id=file_unique_id,
                duration=duration,
                created_at=now,
                submitted_at=now,
                reviewed_at=now,
            )
            .returning(recording.c.id)
        )
    ).scalar_one()
    return int(new_id)


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
