"""The organisation keeps its recordings (issue 21, point 5): `foyer content check` on
recording files, and `foyer content audio list|export|import` against a real database and the
Bot API emulator (recordings sent as voice notes, downloaded through getFile, uploaded again)."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import soundfile
from sqlalchemy import insert, select

from bot import i18n
from bot.cli import main
from bot.domain.audio import AudioItem, AudioKey, RecordingStatus
from bot.emulator import BotAPIEmulator
from bot.storage import audio_uploads, recordings
from bot.storage.db import make_engine
from bot.storage.tables import recording
from tests.audio_samples import opus_bytes
from tests.conftest import TEST_CURRICULA

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ADMIN = 4242
RECORDER = 4343


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("FOYER_LANGUAGE_FALLBACKS", "FOYER_DEFAULT_LANGUAGE", "FOYER_ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file here
    yield
    i18n.configure({"bm": "fr"})


def _content(tmp_path: Path) -> Path:
    """A content folder with tiny-4 and tiny-couples-2."""
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("tiny-4.toml", "tiny-couples-2.toml"):
        shutil.copy(TEST_CURRICULA / name, folder / name)
    return folder


def _with_audio(folder: Path, conduct: str, week_1: str) -> Path:
    """tiny-4 naming recordings: ``conduct`` and ``week_1`` are TOML lines to add."""
    path = folder / "tiny-4.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "[[week]]\nnumber = 1\n", f"{conduct}\n\n[[week]]\nnumber = 1\n{week_1}\n", 1
    )
    path.write_text(text, encoding="utf-8")
    return path


def _vorbis() -> bytes:
    """An OGG file, but Vorbis: the OggS pattern without an OpusHead packet."""
    import numpy as np

    out = io.BytesIO()
    soundfile.write(out, np.zeros(4800, dtype="float32"), 48_000, format="OGG", subtype="VORBIS")
    return out.getvalue()


# ----------------------------------------------------------------------------- check


def test_check_refuses_what_is_not_a_recording_and_flags_a_long_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _content(tmp_path)
    audio = folder / "audio"
    audio.mkdir()
    files = {
        "good.ogg": opus_bytes(2),
        "empty.ogg": b"",
        "song.mp3": b"ID3\x03\x00\x00\x00" + bytes(200),
        "vorbis.ogg": _vorbis(),
        "six-minutes.ogg": opus_bytes(360),
        "long.ogg": opus_bytes(130),
    }
    for name, data in files.items():
        (audio / name).write_bytes(data)
    path = _with_audio(
        folder,
        'code_of_conduct_audio = { bm = "audio/good.ogg", fr = "audio/empty.ogg" }',
        'audio.bm = { prompt = "audio/song.mp3", checkin = "audio/vorbis.ogg", '
        'tip = "audio/six-minutes.ogg", couples_exercise = "audio/long.ogg" }\n'
        'audio.fr = "audio/good.ogg"',
    )
    code = main(["content", "check", str(folder)])
    out, err = capsys.readouterr()
    mine = sorted(line for line in out.splitlines() if ":audio." in line or "_audio." in line)
    assert code == 1
    assert mine == [
        f"{path}:-:audio.fr.code_of_conduct: audio/empty.ogg: empty file",
        f"{path}:1:audio.bm.checkin: audio/vorbis.ogg: an OGG file without an Opus stream "
        "(no OpusHead packet), or cut short: convert it, e.g. ffmpeg -i in.ogg -c:a libopus "
        "out.ogg",
        f"{path}:1:audio.bm.prompt: audio/song.mp3: not an OGG/Opus file (no OggS header): "
        "record a voice message in Telegram, or convert it, e.g. ffmpeg -i in.mp3 -c:a "
        "libopus out.ogg",
        f"{path}:1:audio.bm.tip: audio/six-minutes.ogg: lasts 6:00, longer than 5:00: split it "
        "or record it again, shorter",
    ]
    # Over two minutes: advice, not a failure; the good files are not named at all.
    assert (
        f"warning: {path}:1:audio.bm.couples_exercise: audio/long.ogg: lasts 2:10: recordings "
        "under 2:00 are easier to listen to (docs/voice.md)"
    ) in err
    assert "good.ogg" not in out + err


def test_check_passes_good_recordings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _content(tmp_path)
    (folder / "audio").mkdir()
    (folder / "audio" / "w1.ogg").write_bytes(opus_bytes(3))
    _with_audio(
        folder,
        'code_of_conduct_audio = { bm = "audio/w1.ogg" }',
        'audio = { bm = "audio/w1.ogg" }',
    )
    main(["content", "check", str(folder)])
    out, _err = capsys.readouterr()
    assert "audio" not in out  # whatever the test curricula's translations say


# ----------------------------------------------------------------------------- the library


async def _add(
    db_url: str, key: AudioKey, file_id: str, status: RecordingStatus, bot_id: int = 123456
) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(recording).values(
                    curriculum_id=key.curriculum,
                    week=key.week,
                    item=key.item.value,
                    language=key.language,
                    status=status.value,
                    bot_id=bot_id,
                    file_id=file_id,
                    file_unique_id=None,
                    duration=2,
                    created_at=NOW,
                    submitted_at=NOW,
                    reviewed_at=NOW if status is RecordingStatus.APPROVED else None,
                )
            )
    finally:
        await engine.dispose()


async def _rows(db_url: str) -> list[tuple[str, int, str, str, str, str]]:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(
                    recording.c.curriculum_id,
                    recording.c.week,
                    recording.c.item,
                    recording.c.language,
                    recording.c.status,
                    recording.c.file_id,
                ).order_by(recording.c.id)
            )
            return [tuple(r) for r in rows]
    finally:
        await engine.dispose()


def _env(monkeypatch: pytest.MonkeyPatch, db_url: str, content: Path, emu: BotAPIEmulator) -> None:
    monkeypatch.setenv("FOYER_DATABASE_URL", db_url)
    monkeypatch.setenv("FOYER_CONTENT_DIR", str(content))
    monkeypatch.setenv("FOYER_BOT_TOKEN", emu.token)
    monkeypatch.setenv("FOYER_BOT_API_URL", emu.base_url.removesuffix("/bot"))
    monkeypatch.setenv("FOYER_ADMIN_IDS", str(ADMIN))


def _key(week: int, item: AudioItem, lang: str = "bm", cur: str = "tiny-4") -> AudioKey:
    return AudioKey(cur, week, item, lang)


CONSENT_BM = AudioKey("", 0, AudioItem.CONSENT, "bm")


async def test_list_shows_coverage_per_curriculum_language_and_item(
    db_url: str,
    emu: BotAPIEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = _content(tmp_path)
    (content / "audio").mkdir()
    (content / "audio" / "w1.ogg").write_bytes(opus_bytes(2))
    _with_audio(content, "", 'audio.bm = { prompt = "audio/w1.ogg", tip = "audio/gone.ogg" }')
    await _add(db_url, _key(1, AudioItem.PROMPT), "VOICE-1", RecordingStatus.APPROVED)
    await _add(db_url, _key(1, AudioItem.CHECKIN), "VOICE-2", RecordingStatus.APPROVED)
    await _add(db_url, _key(2, AudioItem.CHECKIN), "VOICE-3", RecordingStatus.PENDING)
    await _add(db_url, _key(3, AudioItem.TIP), "VOICE-4", RecordingStatus.REJECTED)
    await _add(db_url, _key(4, AudioItem.TIP), "VOICE-5", RecordingStatus.DRAFT)
    await _add(db_url, CONSENT_BM, "VOICE-6", RecordingStatus.APPROVED)
    await _add(db_url, _key(1, AudioItem.PROMPT, "fr"), "VOICE-7", RecordingStatus.REPLACED)
    _env(monkeypatch, db_url, content, emu)

    code = await asyncio.to_thread(main, ["content", "audio", "list", "--language", "bm"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    shown = {tuple(line.split(None, 4)) for line in lines if not line.endswith("items")}
    assert ("tiny-4", "bm", "-", "code_of_conduct", "missing") in shown
    assert ("tiny-4", "bm", "w1", "prompt", "approved, file") in shown
    assert ("tiny-4", "bm", "w1", "checkin", "approved") in shown
    assert ("tiny-4", "bm", "w1", "tip", "missing") in shown  # its file is not there
    assert ("tiny-4", "bm", "w2", "checkin", "pending") in shown
    assert ("tiny-4", "bm", "w2", "couples_exercise", "missing") in shown
    assert ("tiny-4", "bm", "w3", "tip", "missing") in shown  # rejected: nothing to hear
    assert ("tiny-4", "bm", "w4", "tip", "missing") in shown  # a draft is not submitted
    assert ("foyer", "bm", "-", "consent", "approved") in shown
    assert ("foyer", "bm", "-", "language_notice", "missing") in shown
    assert len(shown) == 14 + 9 + 2
    assert lines[-3:] == [
        "tiny-4 bm: 2 of 14 items",
        "tiny-couples-2 bm: 0 of 9 items",
        "foyer bm: 1 of 2 items",
    ]
    assert str(RECORDER) not in "\n".join(lines)

    assert await asyncio.to_thread(main, ["content", "audio", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_key = {(r["curriculum"], r["week"], r["item"], r["language"]): r for r in rows}
    assert by_key[("tiny-4", 1, "prompt", "fr")]["heard"] is False  # replaced, not approved
    assert by_key[("tiny-4", 1, "prompt", "bm")] == {
        "curriculum": "tiny-4",
        "week": 1,
        "item": "prompt",
        "language": "bm",
        "approved": True,
        "pending": False,
        "file": "audio/w1.ogg",
        "heard": True,
    }
    # No notice about written messages in a language that is read as itself.
    assert (None, None, "language_notice", "fr") not in by_key
    assert (None, None, "consent", "fr") in by_key

    assert main(["content", "audio", "list", "--language", "xx"]) == 2
    assert "--language xx: use one of en, fr, es, bm" in capsys.readouterr().err

    # `content stats` counts the same beside the text: what members hear, of the items.
    assert await asyncio.to_thread(main, ["content", "stats", str(content), "--json"]) == 0
    stats = {(r["curriculum"], r["language"]): r for r in json.loads(capsys.readouterr().out)}
    assert (stats[("tiny-4", "bm")]["audio"], stats[("tiny-4", "bm")]["audio_items"]) == (2, 14)
    assert (stats[("tiny-4", "fr")]["audio"], stats[("tiny-couples-2", "bm")]["audio"]) == (0, 0)
    assert await asyncio.to_thread(main, ["content", "stats", str(content)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].endswith("  audio")
    assert any(
        line.startswith("tiny-4") and " bm " in line and line.endswith(" 2/14") for line in table
    )
    # Without a database, the files alone, and stderr says so.
    monkeypatch.setenv("FOYER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    assert await asyncio.to_thread(main, ["content", "stats", str(content), "--json"]) == 0
    out, err = capsys.readouterr()
    stats = {(r["curriculum"], r["language"]): r for r in json.loads(out)}
    assert stats[("tiny-4", "bm")]["audio"] == 1
    assert "audio: curriculum files only, not the library (no database at " in err


def _sent_file_id(emu: BotAPIEmulator, chat_id: int) -> str:
    """The file_id of the last voice the bot sent to the chat (deleted since, as import does)."""
    sent = [m for m in emu.state.bot_messages(chat_id, include_deleted=True) if m.kind == "voice"]
    assert sent[-1].file is not None
    return sent[-1].file.file_id


async def _recorded(emu: BotAPIEmulator, seconds: float, pitch: float) -> tuple[str, bytes]:
    """A voice note a recorder sent the bot: its file_id (this bot's) and bytes."""
    data = opus_bytes(seconds, pitch)
    message = emu.send_voice(RECORDER, round(seconds), data=data)
    assert message.file is not None
    return message.file.file_id, data


async def test_export_then_import_gives_the_same_bytes_and_uploads_once(
    db_url: str,
    emu: BotAPIEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = _content(tmp_path)
    emu.state.private_chat(emu.state.user(ADMIN))  # the admin has started the bot
    sent = {
        _key(1, AudioItem.PROMPT): await _recorded(emu, 2, 220),
        _key(1, AudioItem.CHECKIN, "fr"): await _recorded(emu, 1, 330),
        AudioKey("tiny-4", 0, AudioItem.CONDUCT, "bm"): await _recorded(emu, 3, 440),
        CONSENT_BM: await _recorded(emu, 1.5, 550),
    }
    for key, (file_id, _data) in sent.items():
        await _add(db_url, key, file_id, RecordingStatus.APPROVED)
    await _add(db_url, _key(2, AudioItem.PROMPT), "VOICE-PENDING", RecordingStatus.PENDING)
    _env(monkeypatch, db_url, content, emu)

    first = tmp_path / "export"
    assert await asyncio.to_thread(main, ["content", "audio", "export", str(first)]) == 0
    out, err = capsys.readouterr()
    for key, (_file_id, data) in sent.items():
        folder = key.curriculum or "foyer"
        assert (first / folder / key.file_name()).read_bytes() == data
    assert sorted(p.name for p in first.rglob("*.ogg")) == sorted(k.file_name() for k in sent)
    assert "exported 4 of 4 approved recordings" in err

    # The lines printed name the files from beside the curriculum, and load as its fields.
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    assert lines == [
        'code_of_conduct_audio = { bm = "tiny-4/tiny-4.code_of_conduct.bm.ogg" }',
        'audio.bm = { prompt = "tiny-4/tiny-4.w1.prompt.bm.ogg" }',
        'audio.fr = { checkin = "tiny-4/tiny-4.w1.checkin.fr.ogg" }',
    ]
    shutil.copytree(first / "tiny-4", content / "tiny-4")
    path = _with_audio(content, lines[0], "\n".join(lines[1:]))
    parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    assert parsed["week"][0]["audio"]["fr"] == {"checkin": "tiny-4/tiny-4.w1.checkin.fr.ogg"}
    assert await asyncio.to_thread(main, ["content", "check", str(path)]) in (0, 1)
    assert "audio" not in capsys.readouterr().out

    # A second export finds the same files: nothing rewritten, nothing refused.
    assert await asyncio.to_thread(main, ["content", "audio", "export", str(first)]) == 0
    assert "(0 written, 4 unchanged)" in capsys.readouterr().err

    # Import them as a new upload each (--replace): one sendVoice per file, deleted at once.
    (first / "README.txt").write_text("notes", encoding="utf-8")
    uploads = len(emu.calls("sendVoice"))
    code = await asyncio.to_thread(main, ["content", "audio", "import", str(first), "--replace"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(emu.calls("sendVoice")) == uploads + 4
    assert all(c.params["chat_id"] == ADMIN for c in emu.calls("sendVoice")[uploads:])
    assert not emu.state.bot_messages(ADMIN)  # each upload's message deleted
    assert "README.txt: skipped: not named as a recording" in err
    assert sorted(out.splitlines()) == sorted(f"{k.text()}: imported" for k in sent)
    rows = await _rows(db_url)
    approved = [r for r in rows if r[4] == "approved"]
    assert len(approved) == 4
    assert {r[5] for r in approved}.isdisjoint({file_id for file_id, _ in sent.values()})
    assert sum(r[4] == "replaced" for r in rows) == 4
    assert sum(r[4] == "pending" for r in rows) == 1  # untouched

    # Exported again from the new file_ids: the same bytes.
    second = tmp_path / "again"
    assert await asyncio.to_thread(main, ["content", "audio", "export", str(second)]) == 0
    capsys.readouterr()
    for key, (_file_id, data) in sent.items():
        assert (second / (key.curriculum or "foyer") / key.file_name()).read_bytes() == data

    # Without --replace the approved recordings are kept: no upload at all.
    uploads = len(emu.calls("sendVoice"))
    assert await asyncio.to_thread(main, ["content", "audio", "import", str(second)]) == 0
    out = capsys.readouterr().out
    assert len(emu.calls("sendVoice")) == uploads
    assert f"{CONSENT_BM.text()}: kept the approved recording (--replace replaces it)" in out


async def test_export_names_what_cannot_be_downloaded_and_goes_on(
    db_url: str,
    emu: BotAPIEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = _content(tmp_path)
    good_id, data = await _recorded(emu, 1, 220)
    await _add(db_url, _key(1, AudioItem.PROMPT), good_id, RecordingStatus.APPROVED)
    # A recording kept by another bot: this bot's token cannot fetch it.
    await _add(db_url, _key(2, AudioItem.PROMPT), "VOICE-000009-999", RecordingStatus.APPROVED, 999)
    folder = tmp_path / "export"
    (folder / "tiny-4").mkdir(parents=True)
    clash = folder / "tiny-4" / _key(1, AudioItem.PROMPT).file_name()
    clash.write_bytes(b"an older recording")
    _env(monkeypatch, db_url, content, emu)

    code = await asyncio.to_thread(main, ["content", "audio", "export", str(folder)])
    out, err = capsys.readouterr()
    assert code == 1
    assert (
        "tiny-4:w2:prompt:bm: not downloaded: Invalid file_id (it was recorded through another "
        "bot, id 999: export it with that bot's token)"
    ) in err
    assert (
        f"tiny-4:w1:prompt:bm: {clash} exists and differs from the approved recording: kept " in err
    )
    assert clash.read_bytes() == b"an older recording"
    assert "exported 0 of 2 approved recordings" in err
    assert out == ""

    assert (
        await asyncio.to_thread(main, ["content", "audio", "export", str(folder), "--force"]) == 1
    )
    assert clash.read_bytes() == data
    assert 'audio.bm = { prompt = "tiny-4/tiny-4.w1.prompt.bm.ogg" }' in capsys.readouterr().out


async def test_import_checks_each_file_and_keeps_another_bots_recording_with_its_people(
    db_url: str,
    emu: BotAPIEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = _content(tmp_path)
    emu.state.private_chat(emu.state.user(ADMIN))
    folder = tmp_path / "export"
    (folder / "tiny-4").mkdir(parents=True)
    good = folder / "tiny-4" / "tiny-4.w1.prompt.bm.ogg"
    good.write_bytes(opus_bytes(1))
    (folder / "tiny-4" / "tiny-4.w1.tip.bm.ogg").write_bytes(b"")
    (folder / "tiny-4" / "tiny-4.w9.tip.bm.ogg").write_bytes(opus_bytes(1))
    (folder / "tiny-4" / "tiny-4.w1.checkin.bm.ogg").write_bytes(_vorbis())
    # The same key approved through an old token's bot: this bot cannot send its file_id.
    await _add(db_url, _key(1, AudioItem.PROMPT), "VOICE-000001-999", RecordingStatus.APPROVED, 999)
    _env(monkeypatch, db_url, content, emu)

    code = await asyncio.to_thread(main, ["content", "audio", "import", str(folder)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [
        "tiny-4:w1:prompt:bm: uploaded for this bot (the approved recording kept)"
    ]
    assert f"{folder}/tiny-4/tiny-4.w1.tip.bm.ogg: empty file: not imported" in err
    assert f"{folder}/tiny-4/tiny-4.w9.tip.bm.ogg: no tiny-4:w9:tip:bm in this deployment" in err
    assert "tiny-4.w1.checkin.bm.ogg: an OGG file without an Opus stream" in err
    (upload,) = emu.calls("sendVoice")
    # The recording stays, with whoever recorded and approved it; delivery finds this bot's
    # upload of it (bot/delivery/voice.py, "recording:<id>").
    rows = await _rows(db_url)
    assert [(r[4], r[5]) for r in rows] == [("approved", "VOICE-000001-999")]
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            found = await recordings.approved(conn, _key(1, AudioItem.PROMPT))
            assert found is not None
            uploaded = await audio_uploads.file_id_of(conn, 123456, f"recording:{found.id}")
    finally:
        await engine.dispose()
    assert uploaded is not None and uploaded == _sent_file_id(emu, upload.params["chat_id"])

    # Imported again: this bot has it, nothing goes up. --replace makes it a new recording.
    assert await asyncio.to_thread(main, ["content", "audio", "import", str(good.parent)]) == 1
    assert "tiny-4:w1:prompt:bm: kept the approved recording" in capsys.readouterr().out
    assert len(emu.calls("sendVoice")) == 1
    await asyncio.to_thread(main, ["content", "audio", "import", str(folder), "--replace"])
    assert "tiny-4:w1:prompt:bm: imported" in capsys.readouterr().out
    assert [r[4] for r in await _rows(db_url)] == ["replaced", "approved"]

    # No admin and no --chat: nowhere to upload, said in one line.
    monkeypatch.delenv("FOYER_ADMIN_IDS")
    assert main(["content", "audio", "import", str(folder)]) == 2
    assert "uploading needs a chat with the bot" in capsys.readouterr().err
    # A chat that never started the bot stops the import at the first file.
    code = await asyncio.to_thread(
        main, ["content", "audio", "import", str(folder), "--chat", "777", "--replace"]
    )
    assert code == 2
    assert "stopped: chat 777 not found: it must have started the bot" in capsys.readouterr().err
