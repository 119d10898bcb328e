"""The one way Foyer sends a recording: found once per key, uploaded once per bot.

``find_voice`` says what members hear for a key: the library's approved recording (the
library wins), else the curriculum's file, else nothing. ``send_voice`` sends it as a voice
message. Telegram has no upload without a message, so the first send of a file uploads it
(multipart, named ``key.file_name()``) and keeps the file_id Telegram answers with, per bot,
in `audio_upload`; every later send, here or after a restart, reuses it. While one sender
uploads, the others of this process wait for its file_id: a week for 5,000 members costs one
upload (one per worker when several share a PostgreSQL database, each before it has seen the
other's row). A file_id Telegram refuses (a new token, a file it dropped) is uploaded again
once; refused a second time, the send fails as any bad request does.

A library recording already has this bot's file_id when it was recorded through this bot;
one of another bot counts only once uploaded for this one (an `audio_upload` row
"recording:<id>", `foyer content audio import`), else the curriculum's file stands in.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.oggopus import OggOpus
from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.domain.audio import AudioKey, VoiceMode, voice_mode
from bot.infra.bot_api import Buttons, call, inline_keyboard, send_for_id
from bot.runtime import Runtime
from bot.storage import audio_uploads, recordings
from bot.storage.audio_uploads import FileFacts, VoiceMemory

log = logging.getLogger(__name__)

# How long a process trusts what it read of the library and of a curriculum's files (by
# Foyer's clock): a recording approved (or a file replaced) meanwhile reaches members within
# this, and a week's fan-out asks the database and the disk once, not per member.
APPROVED_FRESH_SECONDS = 30.0
# Telegram's words when a file_id is not (or no longer) this bot's.
_REFUSED_FILE_ID = "wrong file identifier"


@dataclass(frozen=True)
class VoiceSource:
    key: AudioKey
    source: str  # "recording:<id>" (the library) or "sha256:<hex>" (a curriculum file)
    file_id: str | None  # this bot's file_id when known
    path: Path | None  # the curriculum's file, to upload
    duration: int  # seconds


class VoiceUnavailable(Exception):
    """Telegram refused the recording's file_id and there is no file to upload instead."""


def bot_id_of(rt: Runtime) -> int:
    """The bot's id, the part of its token before the colon (as Telegram makes them)."""
    return int(rt.settings.token_or_raise().partition(":")[0])


def curriculum_file(rt: Runtime, key: AudioKey) -> Path | None:
    """The file the curriculum names for ``key`` (paths are relative to the curriculum's
    folder), whether or not it exists."""
    cur = rt.curricula.get(key.curriculum)
    if cur is None:
        return None
    for week, language, item, rel in cur.audio_files():
        if (week, language, item) == (key.week, key.language, key.item.value):
            return rt.curricula.root / rel
    return None


def library_changed(rt: Runtime) -> None:
    """A recording was approved or withdrawn in this process: members hear the change from the
    next send (other processes within APPROVED_FRESH_SECONDS)."""
    rt.voice.approved.clear()


async def find_voice(rt: Runtime, key: AudioKey) -> VoiceSource | None:
    """What members hear for ``key``: the approved library recording, else the curriculum's
    file, else None (pending, rejected and replaced recordings never)."""
    memory = rt.voice
    bot_id = bot_id_of(rt)
    recording = await _approved(rt, key)
    if recording is not None:
        source = f"recording:{recording.id}"
        if source not in memory.refused:
            if recording.bot_id == bot_id:
                file_id: str | None = recording.file_id
            else:
                file_id = await _known_file_id(rt, bot_id, source)
            if file_id is not None:
                return VoiceSource(key, source, file_id, None, recording.duration)
    if key not in memory.paths:
        memory.paths[key] = curriculum_file(rt, key)
    path = memory.paths[key]
    if path is None:
        return None
    facts = await _facts(memory, path, rt.clock.now().timestamp())
    if facts is None:
        return None
    file_id = await _known_file_id(rt, bot_id, facts.source)
    return VoiceSource(key, facts.source, file_id, path, facts.duration)


async def voice_of_member(
    rt: Runtime, chosen: str | None, key: AudioKey
) -> tuple[VoiceSource, VoiceMode] | None:
    """What a member hears for ``key`` (in his language) and how, by the mode he chose
    (``person.voice_mode``); None when he reads, or when there is no recording."""
    mode = voice_mode(chosen, key.language)
    if mode is VoiceMode.READ:
        return None
    found = await find_voice(rt, key)
    return None if found is None else (found, mode)


async def send_voice(
    bot: Bot,
    rt: Runtime,
    chat_id: int,
    voice: VoiceSource,
    *,
    caption: str | None = None,
    buttons: Buttons | None = None,
    protect_content: bool = False,
    disable_notification: bool = False,
) -> int:
    """Send ``voice`` to the chat; the message's id. Telegram's errors as python-telegram-bot
    raises them; VoiceUnavailable when a library recording was refused and there is no file."""
    params: dict[str, Any] = {"chat_id": chat_id}
    if caption:
        params["caption"] = caption
        params["parse_mode"] = "HTML"
    if (markup := inline_keyboard(buttons)) is not None:
        params["reply_markup"] = markup
    if protect_content:
        params["protect_content"] = True
    if disable_notification:
        params["disable_notification"] = True
    memory = rt.voice
    refused_once = False
    file_id = memory.file_ids.get(voice.source) or voice.file_id
    while True:
        if voice.duration:
            params["duration"] = voice.duration
        if file_id is None:
            under_way = memory.uploading.get(voice.source)
            if under_way is None:
                return await _upload(bot, rt, voice, params)
            await asyncio.shield(under_way)  # resolved however the upload ended
            file_id = memory.file_ids.get(voice.source)
            continue  # None: that upload failed, so this sender uploads
        try:
            return await send_for_id(bot, "sendVoice", {**params, "voice": file_id})
        except BadRequest as exc:
            if _REFUSED_FILE_ID not in exc.message.lower() or refused_once:
                raise
            refused_once = True
            log.warning("voice.file_id_refused key=%s source=%s", voice.key.text(), voice.source)
            await _forget(rt, voice.source, file_id)
            if voice.path is None:  # a library recording: no bytes here to upload again
                memory.refused.add(voice.source)
                instead = await find_voice(rt, voice.key)
                if instead is None or instead.source == voice.source:
                    raise VoiceUnavailable(voice.key.text()) from exc
                voice = instead
            file_id = memory.file_ids.get(voice.source) or (
                None if voice.file_id == file_id else voice.file_id
            )


async def _upload(bot: Bot, rt: Runtime, voice: VoiceSource, params: dict[str, Any]) -> int:
    """Send with the file's bytes, the other senders waiting; keep the file_id."""
    if voice.path is None:
        raise VoiceUnavailable(voice.key.text())
    memory = rt.voice
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    memory.uploading[voice.source] = done  # no await since the check: one uploader
    try:
        data = await asyncio.to_thread(voice.path.read_bytes)
        upload = InputFile(data, filename=voice.key.file_name())
        result = await call(bot, "sendVoice", {**params, "voice": upload})
        file_id = str(result["voice"]["file_id"])
        memory.file_ids[voice.source] = file_id
        log.info("voice.uploaded key=%s source=%s", voice.key.text(), voice.source)
        try:
            async with rt.engine.begin() as conn:
                await audio_uploads.remember(
                    conn, bot_id_of(rt), voice.source, file_id, rt.clock.now()
                )
        except Exception as exc:  # sent all the same; this process remembers it
            log.warning(
                "voice.upload_not_recorded source=%s error=%s", voice.source, type(exc).__name__
            )
        return int(result["message_id"])
    finally:
        del memory.uploading[voice.source]
        done.set_result(None)


async def _approved(rt: Runtime, key: AudioKey) -> recordings.Recording | None:
    now = rt.clock.now().timestamp()
    known = rt.voice.approved.get(key)
    if known is not None and known[0] > now:
        return known[1]
    async with rt.engine.connect() as conn:
        found = await recordings.approved(conn, key)
    rt.voice.approved[key] = (now + APPROVED_FRESH_SECONDS, found)
    return found


async def _known_file_id(rt: Runtime, bot_id: int, source: str) -> str | None:
    memory = rt.voice
    if source not in memory.file_ids:
        async with rt.engine.connect() as conn:
            found = await audio_uploads.file_id_of(conn, bot_id, source)
        memory.file_ids.setdefault(source, found)  # an upload meanwhile wins
    return memory.file_ids[source]


async def _forget(rt: Runtime, source: str, file_id: str) -> None:
    """A refused file_id is dropped, unless another sender replaced it already."""
    memory = rt.voice
    if memory.file_ids.get(source) == file_id:
        memory.file_ids[source] = None
    try:
        async with rt.engine.begin() as conn:
            await audio_uploads.forget(conn, bot_id_of(rt), source, file_id)
    except Exception as exc:  # memory has it; a stale row costs one more refusal later
        log.warning("voice.forget_failed source=%s error=%s", source, type(exc).__name__)


async def _facts(memory: VoiceMemory, path: Path, now: float) -> FileFacts | None:
    """The file's source name and length, read again only when it changed (looked at once
    within APPROVED_FRESH_SECONDS); None when it is gone."""
    known = memory.files.get(path)
    if known is not None and now - known.checked < APPROVED_FRESH_SECONDS:
        return known
    try:
        stat = await asyncio.to_thread(path.stat)
    except OSError:
        memory.files.pop(path, None)
        return None
    signature = (stat.st_mtime_ns, stat.st_size)
    if known is not None and known.signature == signature:
        facts = replace(known, checked=now)
    else:
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError:
            return None
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        facts = FileFacts(signature, digest, _seconds(data), now)
    memory.files[path] = facts
    return facts


def _seconds(data: bytes) -> int:
    """The recording's length, rounded up (0 when mutagen cannot read it: `foyer content
    check` refuses such a file before it gets here)."""
    try:
        return math.ceil(float(getattr(OggOpus(io.BytesIO(data)).info, "length", 0.0)))
    except (MutagenError, ValueError):
        return 0
