"""The programme as voice in the sandbox (issue 21, point 8): a recorder persona sends real voice
notes of the length asked, and a recording Foyer sends shows as
`[voice bm 0:42 · week 1 prompt]` and is saved where a trainer can play it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mutagen.oggopus import OggOpus
from sqlalchemy import text
from telegram import InputFile

from bot.content.audio_check import inspect
from bot.domain.audio import AudioItem, AudioKey
from bot.sandbox import script
from bot.sandbox.personas import RECORDER, Persona, parse_persona
from bot.sandbox.session import Sandbox, open_sandbox
from bot.sandbox.terminal import Terminal
from bot.sandbox.voice_notes import voice_note
from bot.sandbox.world import Options, database_url
from bot.storage import migrate, people, recordings

MEMBER_1, MEMBER_2, ADMIN_ID = 100001, 100002, 400001
DEMOS = Path(__file__).resolve().parent.parent / "conversations"


async def _person_ids(sandbox: Sandbox, telegram_id: int) -> int:
    async with sandbox.rt.engine.connect() as conn:
        found = await people.by_telegram_id(conn, telegram_id)
    assert found is not None
    return found.id


async def _perform(sandbox: Sandbox, *lines: str) -> None:
    for line in lines:
        action = script.parse_line(line)
        assert action is not None and await sandbox.perform(action), line


def _options(tmp_path: Path) -> Options:
    url = database_url(tmp_path / "voice.db")
    migrate.upgrade(url)
    return Options(database_url=url, files_dir=tmp_path / "files")


def test_voice_lengths_and_the_recorder_persona_parse() -> None:
    assert script.parse_line(":voice 0:42") == script.Voice(42)
    assert script.parse_line(":voice 42") == script.Voice(42)
    assert script.parse_line(":voice 2:05") == script.Voice(125)
    assert script.parse_line(":voice 10:00") == script.Voice(600)
    for bad in ("10:01", "0:00", "1:5", "a:bc", "0:60x"):
        with pytest.raises(script.ScriptError, match="bad voice note length"):
            script.parse_line(f":voice {bad}")
    assert script.parse_line(":as recorder") == script.As(RECORDER)
    assert parse_persona("recorder 2") == Persona("recorder", 2)
    assert (RECORDER.user_id, RECORDER.first_name, RECORDER.label) == (600001, "Nana", "recorder")


@pytest.mark.parametrize("seconds", [1, 42, 300])
def test_voice_notes_are_ogg_opus_of_the_length_asked(seconds: int) -> None:
    data = voice_note(seconds)
    assert inspect(data).seconds == seconds  # what content check and import accept
    info = OggOpus(io.BytesIO(data)).info
    assert info is not None and info.length == seconds


async def test_the_recorder_sends_a_voice_note(tmp_path: Path) -> None:
    out = io.StringIO()
    async with open_sandbox(_options(tmp_path), Terminal(out, colour=False)) as sandbox:
        await _perform(sandbox, ":as recorder", ":voice 0:42")
        sent = [m for m in sandbox.emu.history(RECORDER.user_id) if not m.from_bot]
    printed = out.getvalue()
    assert "(you are now recorder: Nana, Telegram id 600001)" in printed
    assert "[recorder] -> [voice note, 42 s]" in printed
    assert sent[-1].kind == "voice" and sent[-1].file is not None
    assert sent[-1].file.data is not None
    assert inspect(sent[-1].file.data).seconds == 42


async def test_a_recording_shows_its_language_length_and_item_and_is_saved(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    options = _options(tmp_path)
    async with open_sandbox(options, Terminal(out, colour=False)) as sandbox:
        await _perform(sandbox, ":join")
        # As delivery uploads a recording: the file named by its key.
        data = voice_note(42)
        key = AudioKey("men-groups-12", 1, AudioItem.PROMPT, "bm")
        await sandbox.app.bot.send_voice(
            MEMBER_1, InputFile(data, filename=key.file_name()), duration=42
        )
        await sandbox.settle()
        sandbox.show()

        # A recorder's voice note, approved in the library, sent again by its file_id: the
        # library's row names it.
        await _perform(sandbox, ":as recorder", ":voice 0:12", ":voice 5", ":as member 1")
        recorded, other = [
            m.file for m in sandbox.emu.history(RECORDER.user_id) if m.kind == "voice"
        ]
        assert recorded is not None and other is not None
        async with sandbox.rt.engine.begin() as conn:
            await recordings.add_imported(
                conn,
                AudioKey("men-groups-12", 1, AudioItem.CHECKIN, "bm"),
                bot_id=sandbox.emu.state.bot_id,
                file_id=recorded.file_id,
                file_unique_id=recorded.file_unique_id,
                duration=12,
                now=datetime.now(UTC),
            )
        await sandbox.app.bot.send_voice(MEMBER_1, recorded.file_id)
        await sandbox.app.bot.send_voice(MEMBER_1, other.file_id)  # no recording: no key
        await sandbox.settle()
        sandbox.show()
    printed = out.getvalue()
    files = options.files_dir
    assert files is not None
    prompt = files / "001-member1-men-groups-12.w1.prompt.bm.ogg"
    checkin = files / "002-member1-men-groups-12.w1.checkin.bm.ogg"
    assert f"[member 1] <- Foyer:\n    [voice bm 0:42 · week 1 prompt, saved as {prompt}]" in (
        printed
    )
    assert f"[voice bm 0:12 · week 1 checkin, saved as {checkin}]" in printed
    assert "[voice 0:05, saved as " in printed
    assert prompt.read_bytes() == data
    assert recorded.data is not None and checkin.read_bytes() == recorded.data


async def test_the_voice_demo_a_bambara_member_who_listens(tmp_path: Path) -> None:
    """conversations/demo.voice.sandbox: recorded and approved in Telegram, heard by a member."""
    options = _options(tmp_path)
    out = io.StringIO()
    async with open_sandbox(options, Terminal(out, colour=False)) as sandbox:
        sandbox.banner(interactive=False)
        for line in script.load_script(DEMOS / "demo.voice.sandbox"):
            assert await sandbox.perform(line.action), line
        async with sandbox.rt.engine.connect() as conn:
            approved = await recordings.all_approved(conn)
            mode = (
                await conn.execute(
                    text("SELECT voice_mode FROM person WHERE telegram_id = :t"), {"t": MEMBER_2}
                )
            ).scalar_one()
            answers = (await conn.execute(text("SELECT value FROM checkin"))).scalars().all()
        recorder, admin = (
            await _person_ids(sandbox, RECORDER.user_id),
            await _person_ids(sandbox, ADMIN_ID),
        )
    printed = out.getvalue()
    assert "\n! " not in printed
    assert sorted(r.key.text() for r in approved) == [
        "consent:bm",
        "men-groups-12:w1:checkin:bm",
        "men-groups-12:w1:prompt:bm",
    ]
    assert {(r.recorded_by, r.reviewed_by) for r in approved} == {(recorder, admin)}
    assert mode == "listen" and answers == ["done"]
    files = options.files_dir
    assert files is not None
    heard = files / "006-member2-men-groups-12.w1.prompt.bm.ogg"
    assert f"[member 2] <- Foyer:\n    [voice bm 0:42 · week 1 prompt, saved as {heard}]" in printed
    assert "[voice bm 0:35 · consent, saved as " in printed
    assert "[voice bm 0:20 · week 1 checkin, saved as " in printed
    assert inspect(heard.read_bytes()).seconds == 42
