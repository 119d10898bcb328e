"""The programme as voice through the real pipeline: planner, outbox, sender, the emulator.

The curricula are the tests' own, copied with an `audio` table per week: French and Bambara
recordings of weeks 1 and 2 (prompt, check-in, tip), tiny OGG/Opus files made on the spot.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_application, running
from bot.delivery.voice import VoiceUnavailable, find_voice, send_voice
from bot.domain.audio import AudioItem, AudioKey, RecordingStatus
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage import audio_uploads
from bot.storage.tables import audio_upload, recording
from tests.audio_samples import opus_bytes
from tests.conftest import TEST_CURRICULA, Foyer, make_settings

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
VOICED = ("fr", "bm")  # the languages with recordings, weeks 1 and 2
ITEMS = ("prompt", "checkin", "tip")


def _with_audio(toml: str) -> str:
    """Each of weeks 1 and 2 names its French and Bambara recordings."""

    def add(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n > 2:
            return m.group(0)
        langs = ", ".join(
            f"{lang} = {{ "
            + ", ".join(f'{item} = "audio/w{n}.{item}.{lang}.ogg"' for item in ITEMS)
            + " }"
            for lang in VOICED
        )
        return f"{m.group(0)}audio = {{ {langs} }}\n"

    return re.sub(r"(?m)^\[\[week\]\]\nnumber = (\d+)\n", add, toml)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "curricula"
    (folder / "audio").mkdir(parents=True)
    for source in TEST_CURRICULA.glob("*.toml"):
        (folder / source.name).write_text(_with_audio(source.read_text()))
    for n in (1, 2):
        for i, item in enumerate(ITEMS):
            for j, lang in enumerate(VOICED):
                data = opus_bytes(1.0 + i, 200.0 + 40 * n + 10 * i + 5 * j)
                (folder / "audio" / f"w{n}.{item}.{lang}.ogg").write_bytes(data)
    return folder


@pytest.fixture
async def vf(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock, content: Path
) -> AsyncIterator[Foyer]:
    app = build_application(make_settings(emu, db_url, content_dir=content), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


def key(item: AudioItem, language: str, week: int = 1) -> AudioKey:
    return AudioKey.of_week("tiny-4", week, item, language)


async def add_recording(
    f: Foyer, k: AudioKey, status: RecordingStatus, *, file_id: str, bot_id: int = 123456
) -> int:
    async with f.rt.engine.begin() as conn:
        result = await conn.execute(
            recording.insert().values(
                curriculum_id=k.curriculum,
                week=k.week,
                item=k.item.value,
                language=k.language,
                status=status.value,
                bot_id=bot_id,
                file_id=file_id,
                duration=7,
                created_at=f.clock.now(),
                reviewed_at=f.clock.now(),
            )
        )
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])


def chat(f: Foyer) -> int:
    """A person who opened a chat with the bot (started it) and nothing more."""
    uid = f.new_user()
    f.emu.state.private_chat(f.emu.state.users[uid])
    return uid


async def uploads_rows(f: Foyer) -> list[tuple[str, str]]:
    async with f.rt.engine.connect() as conn:
        rows = await conn.execute(select(audio_upload.c.source, audio_upload.c.file_id))
        return [(s, i) for s, i in rows]


# --- voice.py: find and send -------------------------------------------------------------


async def test_a_curriculum_file_is_uploaded_once_then_its_file_id_reused(vf: Foyer) -> None:
    k = key(AudioItem.PROMPT, "fr")
    voice = await find_voice(vf.rt, k)
    assert voice is not None and voice.source.startswith("sha256:") and voice.file_id is None
    assert voice.duration == 1
    assert await find_voice(vf.rt, key(AudioItem.PROMPT, "en")) is None  # no English recording
    chats = [chat(vf) for _ in range(3)]
    vf.emu.reset_counters()
    for to in chats:
        await send_voice(vf.app.bot, vf.rt, to, voice, caption="<b>Week 1</b>")
    assert vf.emu.uploads("sendVoice") == 1
    sent = [vf.emu.last_message(to) for to in chats]
    assert all(m is not None and m.kind == "voice" and m.caption == "Week 1" for m in sent)
    uploaded = vf.emu.file(sent[0].file.file_id)  # type: ignore[union-attr]
    assert uploaded.file_name == "tiny-4.w1.prompt.fr.ogg"
    assert uploaded.data == (vf.rt.curricula.root / "audio/w1.prompt.fr.ogg").read_bytes()
    assert {m.file.file_id for m in sent if m and m.file} == {uploaded.file_id}
    assert await uploads_rows(vf) == [(voice.source, uploaded.file_id)]
    # Found again (a restart would read the row): the file_id comes with it.
    vf.rt.voice.file_ids.clear()
    again = await find_voice(vf.rt, k)
    assert again is not None and again.file_id == uploaded.file_id


async def test_concurrent_senders_wait_for_the_one_upload(vf: Foyer) -> None:
    voice = await find_voice(vf.rt, key(AudioItem.CHECKIN, "bm"))
    assert voice is not None
    chats = [chat(vf) for _ in range(12)]
    vf.emu.reset_counters()
    vf.emu.inject(method="sendVoice", delay=0.05, times=1)  # the upload takes its time
    await asyncio.gather(*(send_voice(vf.app.bot, vf.rt, to, voice) for to in chats))
    assert vf.emu.uploads("sendVoice") == 1 and len(vf.emu.calls("sendVoice")) == 12
    assert len({vf.emu.last_message(to).file.file_id for to in chats}) == 1  # type: ignore[union-attr]


async def test_a_refused_file_id_is_uploaded_again_once(vf: Foyer) -> None:
    voice = await find_voice(vf.rt, key(AudioItem.PROMPT, "fr"))
    assert voice is not None
    first, second = chat(vf), chat(vf)
    await send_voice(vf.app.bot, vf.rt, first, voice)
    ((_source, old),) = await uploads_rows(vf)
    vf.emu.forget_files()  # a new token, or files Telegram dropped
    vf.emu.reset_counters()
    await send_voice(vf.app.bot, vf.rt, second, voice)
    refused = [c for c in vf.emu.calls("sendVoice") if c.status == 400]
    assert len(refused) == 1 and "wrong file identifier" in (refused[0].description or "")
    assert vf.emu.uploads("sendVoice") == 1
    ((_source, new),) = await uploads_rows(vf)
    assert new != old and vf.emu.last_message(second).file.file_id == new  # type: ignore[union-attr]


async def test_the_library_wins_and_only_its_approved_recording_counts(vf: Foyer) -> None:
    k = key(AudioItem.PROMPT, "fr")
    bot_id = vf.app.bot.id
    await add_recording(vf, k, RecordingStatus.PENDING, file_id="PENDING-ID", bot_id=bot_id)
    await add_recording(vf, k, RecordingStatus.REJECTED, file_id="REJECTED-ID", bot_id=bot_id)
    voice = await find_voice(vf.rt, k)
    assert voice is not None and voice.source.startswith("sha256:")  # the curriculum's file
    to = chat(vf)
    emu_file = vf.emu.state.add_file("voice", data=opus_bytes(2.0, 500.0), file_name="lib.ogg")
    rid = await add_recording(
        vf, k, RecordingStatus.APPROVED, file_id=emu_file.file_id, bot_id=bot_id
    )
    vf.rt.voice.approved.clear()  # what a process learns within APPROVED_FRESH_SECONDS
    voice = await find_voice(vf.rt, k)
    assert voice is not None and voice.source == f"recording:{rid}"
    assert voice.file_id == emu_file.file_id and voice.duration == 7
    vf.emu.reset_counters()
    await send_voice(vf.app.bot, vf.rt, to, voice)
    assert vf.emu.uploads() == 0
    assert vf.emu.last_message(to).file.file_id == emu_file.file_id  # type: ignore[union-attr]


async def test_a_recording_of_another_bot_gives_way_to_the_curriculum_file(vf: Foyer) -> None:
    k = key(AudioItem.CHECKIN, "bm")
    await add_recording(vf, k, RecordingStatus.APPROVED, file_id="OTHER-BOT", bot_id=999)
    voice = await find_voice(vf.rt, k)
    assert voice is not None and voice.source.startswith("sha256:")


async def test_a_refused_library_recording_falls_back_to_the_file_or_says_so(vf: Foyer) -> None:
    bot_id = vf.app.bot.id
    with_file, without = key(AudioItem.PROMPT, "fr"), key(AudioItem.PROMPT, "es")
    for k in (with_file, without):
        await add_recording(vf, k, RecordingStatus.APPROVED, file_id="GONE-ID", bot_id=bot_id)
    to = chat(vf)
    voice = await find_voice(vf.rt, with_file)
    assert voice is not None and voice.source.startswith("recording:")
    await send_voice(vf.app.bot, vf.rt, to, voice)
    assert vf.emu.uploads("sendVoice") == 1  # the curriculum's French file instead
    voice = await find_voice(vf.rt, without)
    assert voice is not None
    with pytest.raises(VoiceUnavailable):
        await send_voice(vf.app.bot, vf.rt, to, voice)


async def test_upload_rows_per_bot(vf: Foyer) -> None:
    now = vf.clock.now()
    async with vf.rt.engine.begin() as conn:
        await audio_uploads.remember(conn, 1, "sha256:ab", "F1", now)
        await audio_uploads.remember(conn, 2, "sha256:ab", "F2", now)
        await audio_uploads.remember(conn, 1, "sha256:ab", "F3", now)  # uploaded again
        assert await audio_uploads.file_id_of(conn, 1, "sha256:ab") == "F3"
        assert await audio_uploads.forget(conn, 1, "sha256:ab", "F1") == 0  # replaced since
        assert await audio_uploads.forget(conn, 1, "sha256:ab", "F3") == 1
        assert await audio_uploads.file_id_of(conn, 1, "sha256:ab") is None
        assert await audio_uploads.file_id_of(conn, 2, "sha256:ab") == "F2"
