"""What the sandbox says of a voice message Foyer sends: `[voice bm 0:42 · week 1 prompt]`.

The recording's key comes from the name Foyer uploaded the file under (`AudioKey.file_name()`,
men-groups-12.w1.prompt.bm.ogg), or else from the library's row of the file (a recorder's
voice note, sent again by its file_id, has no name of Foyer's).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.audio import AudioKey
from bot.emulator.models import Message
from bot.i18n import _
from bot.runtime import Runtime
from bot.storage import recordings


def clock(seconds: int) -> str:
    """m:ss, as Telegram shows a voice message's length."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def key_of_name(message: Message) -> AudioKey | None:
    if message.file is None or not message.file.file_name:
        return None
    return AudioKey.from_file_name(message.file.file_name)


def label(key: AudioKey | None, seconds: int) -> str:
    """ "voice bm 0:42 · week 1 prompt"; "voice 0:12" for one that is no recording of the
    programme (a facilitator's broadcast). Call it in the sandbox's language."""
    word = _("voice")
    if key is None:
        return f"{word} {clock(seconds)}"
    what = key.item.value
    if key.week:
        what = _("week {number} {item}").format(number=key.week, item=what)
    return f"{word} {key.language} {clock(seconds)} · {what}"


async def library_keys(rt: Runtime, messages: Iterable[Message]) -> dict[str, AudioKey]:
    """The keys of the library's recordings among these voice messages, by file_unique_id."""
    unique = {
        m.file.file_unique_id
        for m in messages
        if m.kind == "voice" and m.file is not None and key_of_name(m) is None
    }
    if not unique:
        return {}
    async with rt.engine.connect() as conn:
        return await recordings.keys_of_files(conn, unique)
