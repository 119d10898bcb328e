"""Files Foyer uploaded to Telegram, so that each goes up once per bot: the `audio_upload`
table, and what one process keeps of it in memory (``VoiceMemory``, held by the Runtime).

A file_id belongs to one bot, so rows are per bot. ``source`` names the bytes:
"sha256:<hex>" of a curriculum's file (the same file under another name is one upload), or
"recording:<id>" for a library recording uploaded again for this bot. No row holds member data.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audio import AudioKey
from bot.storage.recordings import Recording
from bot.storage.sql import upsert
from bot.storage.tables import audio_upload


async def file_id_of(conn: AsyncConnection, bot_id: int, source: str) -> str | None:
    """This bot's file_id for ``source``, if it was uploaded."""
    found = await conn.execute(
        select(audio_upload.c.file_id).where(
            audio_upload.c.bot_id == bot_id, audio_upload.c.source == source
        )
    )
    return found.scalar_one_or_none()


async def remember(
    conn: AsyncConnection, bot_id: int, source: str, file_id: str, now: datetime
) -> None:
    """An upload's file_id; a later upload of the same source (after a refusal) replaces it."""
    stmt = upsert(conn, audio_upload, ("bot_id", "source"), ("file_id", "uploaded_at"))
    await conn.execute(stmt.values(bot_id=bot_id, source=source, file_id=file_id, uploaded_at=now))


async def forget(conn: AsyncConnection, bot_id: int, source: str, file_id: str) -> int:
    """Telegram refused ``file_id``: the row goes, unless another upload replaced it since."""
    result = await conn.execute(
        delete(audio_upload).where(
            audio_upload.c.bot_id == bot_id,
            audio_upload.c.source == source,
            audio_upload.c.file_id == file_id,
        )
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class FileFacts:
    """A curriculum file as it was read: its size and time (to notice a change), its source
    name, its length in seconds, and when it was last looked at (Foyer's clock, a timestamp)."""

    signature: tuple[int, int]
    source: str
    duration: int
    checked: float


@dataclass
class VoiceMemory:
    """What one process knows of its bot's voice files, so a fan-out of thousands costs one
    upload and no query per message (bot/delivery/voice.py uses it; nothing else should).

    ``file_ids``: a source's file_id for this bot (None: looked up, not uploaded yet);
    ``uploading``: the upload under way per source, which the other senders wait for;
    ``approved``: the approved recording of a key (or None) and when that answer goes stale
    (Foyer's clock, a timestamp); ``paths``: the file a curriculum names for a key (curricula
    are loaded once); ``files``: what was read of each; ``refused``: library recordings whose
    file_id Telegram refused for this bot (no bytes to upload again)."""

    file_ids: dict[str, str | None] = field(default_factory=dict)
    uploading: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    approved: dict[AudioKey, tuple[float, Recording | None]] = field(default_factory=dict)
    paths: dict[AudioKey, Path | None] = field(default_factory=dict)
    files: dict[Path, FileFacts] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
