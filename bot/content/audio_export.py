"""`foyer content audio export DIR`: the approved recordings as files, so the organisation keeps
them beside its curricula (a file_id lives only as long as the bot's token and Telegram's
storage). Each is downloaded through getFile with the bot's token into
DIR/<curriculum>/<key's file name> (Foyer's own screens in DIR/foyer/), and the curriculum
file's lines that name them are returned for the author to paste."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Bot
from telegram.error import TelegramError

from bot.content.audio_coverage import folder_of
from bot.domain.audio import AudioItem, AudioKey
from bot.storage.recordings import Recording


@dataclass
class Exported:
    saved: list[tuple[AudioKey, str]] = field(default_factory=list)  # key, path under DIR
    written: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # one line each, naming the key


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a download cut short never leaves half a file under its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)


async def download(bot: Bot, file_id: str) -> bytes:
    found = await bot.get_file(file_id)
    return bytes(await found.download_as_bytearray())


async def export(
    bot: Bot, recordings: list[Recording], folder: Path, *, bot_id: int, force: bool
) -> Exported:
    out = Exported()
    for rec in recordings:
        rel = f"{folder_of(rec.key)}/{rec.key.file_name()}"
        try:
            data = await download(bot, rec.file_id)
        except TelegramError as exc:
            other = (
                f" (it was recorded through another bot, id {rec.bot_id}: export it with that "
                "bot's token)"
                if rec.bot_id != bot_id
                else ""
            )
            out.problems.append(f"{rec.key.text()}: not downloaded: {exc.message}{other}")
            continue
        path = folder / rel
        try:
            if path.is_file() and path.read_bytes() == data:
                out.unchanged += 1
            elif path.exists() and not force:
                out.problems.append(
                    f"{rec.key.text()}: {path} exists and differs from the approved recording: "
                    "kept (--force overwrites it)"
                )
                continue
            else:
                _write(path, data)
                out.written += 1
        except OSError as exc:
            out.problems.append(f"{rec.key.text()}: cannot write {path}: {exc.strerror or exc}")
            continue
        out.saved.append((rec.key, rel))
    return out


def _inline(pairs: list[tuple[str, str]]) -> str:
    return "{ " + ", ".join(f'{name} = "{value}"' for name, value in pairs) + " }"


def toml_lines(saved: list[tuple[AudioKey, str]]) -> list[str]:
    """What to add to each curriculum file, once its export folder is copied beside it (paths
    are relative to the curriculum file): `code_of_conduct_audio`, and in each `[[week]]` an
    `audio.<language>` table by item. Foyer's own screens have no curriculum file: the library
    keeps them (import them again after a new token)."""
    by_curriculum: dict[str, list[tuple[AudioKey, str]]] = {}
    for key, rel in sorted(saved):
        by_curriculum.setdefault(key.curriculum, []).append((key, rel))
    lines: list[str] = []
    for cur_id, entries in sorted(by_curriculum.items()):
        if not cur_id:
            lines.append(
                f"# {folder_of(entries[0][0])}/: Foyer's own screens (consent, language notice): "
                "no curriculum file names them; 'foyer content audio import' brings them back"
            )
            continue
        lines.append(f"# {cur_id}: copy the folder {cur_id}/ beside the curriculum file, then:")
        conduct = [(k.language, rel) for k, rel in entries if k.item is AudioItem.CONDUCT]
        if conduct:
            lines.append(f"code_of_conduct_audio = {_inline(conduct)}")
        weeks: dict[int, dict[str, list[tuple[str, str]]]] = {}
        for key, rel in entries:
            if key.week:
                weeks.setdefault(key.week, {}).setdefault(key.language, []).append(
                    (key.item.value, rel)
                )
        for week, languages in sorted(weeks.items()):
            lines.append(f"# in the [[week]] with number = {week}:")
            for lang, items in sorted(languages.items()):
                lines.append(f"audio.{lang} = {_inline(items)}")
    return lines
