"""`foyer content audio import DIR`: an export's files back into the library of this bot, after
a new token or on a new deployment. An export holds approved recordings only, so what comes
back is approved at once (no second review); who recorded and approved it is not carried. A
key whose approved recording was made through another bot (the old token) keeps that
recording, with its recorder and reviewer: the file is uploaded for this bot as an
`audio_upload` "recording:<id>" row, which delivery sends (bot/delivery/voice.py).

Telegram takes a file only with a message: each file is sent once, silently, to one staff chat
(`--chat`, or the first FOYER_ADMIN_IDS), as a voice message named by its key, and the message
is deleted at once; its file_id is what the library keeps. An admin's own chat with the bot
is used because it exists already, holds no member, and an admin may see the recordings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.content.audio_check import BadRecording, read
from bot.domain.audio import AudioKey
from bot.storage import audio_uploads, recordings


class CannotUpload(Exception):
    """Nothing more can be uploaded (the chat refuses, the Bot API cannot be reached)."""


@dataclass
class Imported:
    imported: list[AudioKey] = field(default_factory=list)
    kept: list[AudioKey] = field(default_factory=list)  # an approved one was there (--replace)
    # Approved through another bot (an old token): uploaded for this one, the row kept.
    uploaded_for: list[AudioKey] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files not named as a recording
    problems: list[str] = field(default_factory=list)  # bad or refused files, one line each


@dataclass(frozen=True)
class Target:
    bot_id: int
    chat_id: int
    known: frozenset[AudioKey]  # what this deployment's curricula and Foyer's screens have
    replace: bool


def _files(folder: Path) -> list[Path]:
    # Hidden files (.DS_Store, .gitkeep) are no one's recording.
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


async def _upload(
    bot: Bot, chat_id: int, key: AudioKey, data: bytes, seconds: float
) -> tuple[str, str, int]:
    """Send once, delete at once: the file's id, unique id and length as Telegram has them."""
    try:
        message = await bot.send_voice(
            chat_id,
            InputFile(data, filename=key.file_name()),
            duration=max(1, math.ceil(seconds)),
            disable_notification=True,
        )
    except Forbidden as exc:
        raise CannotUpload(f"chat {chat_id} refuses the bot ({exc.message})") from None
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            raise CannotUpload(
                f"chat {chat_id} not found: it must have started the bot (/start)"
            ) from None
        raise
    except NetworkError as exc:
        raise CannotUpload(f"cannot reach the Bot API ({exc.message})") from None
    voice = message.voice
    if voice is None:
        raise BadRequest("Telegram did not keep it as a voice message")
    try:
        await bot.delete_message(chat_id, message.message_id)
    except TelegramError:
        pass  # the recording is uploaded either way; the admin may delete the message
    length = voice.duration  # PTB gives a timedelta or seconds, as configured
    seconds = length.total_seconds() if isinstance(length, timedelta) else length
    return voice.file_id, voice.file_unique_id, round(seconds)


async def import_folder(
    bot: Bot,
    engine: AsyncEngine,
    folder: Path,
    target: Target,
    now: Callable[[], datetime],
) -> Imported:
    out = Imported()
    seen: dict[AudioKey, Path] = {}
    for path in _files(folder):
        key = AudioKey.from_file_name(path.name)
        if key is None:
            out.skipped.append(f"{path}: skipped: not named as a recording (e.g. consent.bm.ogg)")
            continue
        if key not in target.known:
            out.problems.append(f"{path}: no {key.text()} in this deployment's curricula")
            continue
        if key in seen:
            out.problems.append(f"{path}: {key.text()} again (already {seen[key]}): skipped")
            continue
        seen[key] = path
        try:
            found = read(path)
        except BadRecording as exc:
            out.problems.append(f"{path}: {exc}: not imported")
            continue
        async with engine.connect() as conn:
            current = await recordings.approved(conn, key)
            # The approved recording of another bot (an old token), as delivery finds it.
            source = f"recording:{current.id}" if current is not None else ""
            ours = current is not None and (
                current.bot_id == target.bot_id
                or await audio_uploads.file_id_of(conn, target.bot_id, source) is not None
            )
        if ours and not target.replace:
            out.kept.append(key)
            continue
        try:
            file_id, unique_id, duration = await _upload(
                bot, target.chat_id, key, found.data, found.seconds
            )
        except TelegramError as exc:
            out.problems.append(f"{path}: Telegram refused it: {exc.message}")
            continue
        async with engine.begin() as conn:
            if current is not None and not target.replace:
                # This bot cannot send the other bot's file_id: it sends this upload in its
                # place, and the recording keeps who recorded and who approved it.
                await audio_uploads.remember(conn, target.bot_id, source, file_id, now())
                out.uploaded_for.append(key)
                continue
            await recordings.add_imported(
                conn,
                key,
                bot_id=target.bot_id,
                file_id=file_id,
                file_unique_id=unique_id,
                duration=duration,
                now=now(),
            )
        out.imported.append(key)
    return out
