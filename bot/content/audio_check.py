"""Is this a good recording file? One answer for `foyer content check` (the files a curriculum
names) and `foyer content audio import` (an export's files): an OGG/Opus file, as Telegram
plays voice messages, not empty, at most five minutes. Over two minutes is advice, not a fault.

mutagen reads the headers (the ``OggS`` capture pattern, then the ``OpusHead`` packet) and the
length from the last page's granule position, without decoding: pure Python, no codec.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.oggopus import OggOpus

from bot.content.problems import Problem
from bot.domain.audio import ADVISED_SECONDS, MAX_SECONDS
from bot.domain.curriculum import Curriculum
from bot.domain.languages import SUPPORTED_LANGUAGES

_OGG_MAGIC = b"OggS"


class BadRecording(Exception):
    """Why a file cannot be a recording, in the content author's words."""


@dataclass(frozen=True)
class RecordingFile:
    data: bytes
    seconds: float

    @property
    def long(self) -> bool:
        """Longer than recorders are advised (docs/voice.md): a flag, not a failure."""
        return self.seconds > ADVISED_SECONDS


def clock(seconds: float) -> str:
    """m:ss, as a voice message shows its length (0:42, 6:00)."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def inspect(data: bytes) -> RecordingFile:
    """The recording in ``data``, or BadRecording saying what is wrong with it."""
    if not data:
        raise BadRecording("empty file")
    if not data.startswith(_OGG_MAGIC):
        raise BadRecording(
            "not an OGG/Opus file (no OggS header): record a voice message in Telegram, or "
            "convert it, e.g. ffmpeg -i in.mp3 -c:a libopus out.ogg"
        )
    try:
        info = OggOpus(io.BytesIO(data)).info
    except (MutagenError, ValueError, EOFError):
        raise BadRecording(
            "an OGG file without an Opus stream (no OpusHead packet), or cut short: "
            "convert it, e.g. ffmpeg -i in.ogg -c:a libopus out.ogg"
        ) from None
    seconds = float(info.length) if info is not None else 0.0
    if seconds <= 0:
        raise BadRecording("no sound in it (0:00)")
    if seconds > MAX_SECONDS:
        raise BadRecording(
            f"lasts {clock(seconds)}, longer than {clock(MAX_SECONDS)}: split it or record "
            "it again, shorter"
        )
    return RecordingFile(data, seconds)


def read(path: Path) -> RecordingFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadRecording(f"cannot read it ({exc.strerror or type(exc).__name__})") from None
    return inspect(data)


def long_flag(found: RecordingFile) -> str:
    return (
        f"lasts {clock(found.seconds)}: recordings under {clock(ADVISED_SECONDS)} are easier "
        "to listen to (docs/voice.md)"
    )


def check_audio(file: Path, cur: Curriculum) -> tuple[list[Problem], list[Problem]]:
    """Each recording the curriculum file names: problems, and long ones flagged."""
    problems: list[Problem] = []
    flagged: list[Problem] = []
    for week, lang, item, rel in cur.audio_files():
        where = str(week) if week else "-"
        fld = f"audio.{lang}.{item}"
        if lang not in SUPPORTED_LANGUAGES:
            problems.append(Problem(str(file), where, fld, "unknown language"))
            continue
        path = file.parent / rel
        if not path.is_file():
            problems.append(Problem(str(file), where, fld, f"no file {rel}"))
            continue
        try:
            found = read(path)
        except BadRecording as exc:
            problems.append(Problem(str(file), where, fld, f"{rel}: {exc}"))
            continue
        if found.long:
            flagged.append(Problem(str(file), where, fld, f"{rel}: {long_flag(found)}"))
    return problems, flagged
