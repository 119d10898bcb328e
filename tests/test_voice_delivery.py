"""The programme as voice through the real pipeline: planner, outbox, sender, the emulator.

The curricula are the tests' own, copied with an `audio` table per week: French and Bambara
recordings of weeks 1 and 2 (prompt, check-in, tip), tiny OGG/Opus files made on the spot.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import build_application, running
from bot.delivery.kinds.safety import neutral_first_line
from bot.delivery.voice import VoiceUnavailable, find_voice, library_changed, send_voice
from bot.domain.audio import AudioItem, AudioKey, RecordingStatus
from bot.emulator import BotAPIEmulator
from bot.emulator.models import Message
from bot.i18n import _, use_language
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage import audio_uploads
from bot.storage.tables import audio_upload, erasable, outbox, person, recording
from tests.audio_samples import opus_bytes
from tests.conftest import TEST_CURRICULA, Foyer, make_settings, msg_buttons
from tests.test_couples import invite_partner, partner_joins

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
VOICED = ("fr", "bm")  # the languages with recordings, weeks 1 and 2
ITEMS = ("prompt", "checkin", "tip", "couples_exercise")


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


# Week 2's message is over a caption's 1,024 characters (each part within the 600 allowed).
LONG_PROMPT = "Prompt of week 2: " + "who carries water, who cooks, who decides. " * 13
LONG_CHALLENGE = "Challenge of week 2: " + "fetch water twice, and cook once. " * 16


def _long_week_two(toml: str) -> str:
    toml = toml.replace(
        'prompt = "Prompt of week 2: think about who carries water in your home."',
        f'prompt = "{LONG_PROMPT.strip()}"',
    )
    return toml.replace(
        'challenge = "Challenge of week 2: fetch water twice."',
        f'challenge = "{LONG_CHALLENGE.strip()}"',
    )


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "curricula"
    (folder / "audio").mkdir(parents=True)
    for source in TEST_CURRICULA.glob("*.toml"):
        (folder / source.name).write_text(_long_week_two(_with_audio(source.read_text())))
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
    library_changed(vf.rt)  # as approving in this process does
    voice = await find_voice(vf.rt, k)
    assert voice is not None and voice.source == f"recording:{rid}"
    assert voice.file_id == emu_file.file_id and voice.duration == 7
    vf.emu.reset_counters()
    await send_voice(vf.app.bot, vf.rt, to, voice)
    assert vf.emu.uploads() == 0
    assert vf.emu.last_message(to).file.file_id == emu_file.file_id  # type: ignore[union-attr]


async def test_an_approval_elsewhere_is_heard_within_half_a_minute(vf: Foyer) -> None:
    k = key(AudioItem.TIP, "fr")
    before = await find_voice(vf.rt, k)
    assert before is not None and before.source.startswith("sha256:")
    rid = await add_recording(vf, k, RecordingStatus.APPROVED, file_id="F", bot_id=vf.app.bot.id)
    vf.clock.advance(timedelta(seconds=20))
    assert await find_voice(vf.rt, k) == before  # one look at the library per 30 s
    vf.clock.advance(timedelta(seconds=11))
    after = await find_voice(vf.rt, k)
    assert after is not None and after.source == f"recording:{rid}"


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


# --- the weekly programme through the outbox -----------------------------------------------


async def member(f: Foyer, code: str, language: str, mode: str | None = None) -> int:
    """A member who joined in ``language`` (its name on the button), listening as ``mode``
    (None: his language's default)."""
    uid = await f.join(code, language=language)
    if mode is not None:
        async with f.rt.engine.begin() as conn:
            await conn.execute(
                update(person).where(person.c.telegram_id == uid).values(voice_mode=mode)
            )
    return uid


def programme(f: Foyer, uid: int) -> list[Message]:
    """The member's messages since he joined (the join dialogue is one edited message)."""
    return f.emu.messages(uid)[1:]


async def noted_for_erasing(f: Foyer, message_id: int) -> None:
    """Wait until the handler that sent the message noted it for /erase (just after sending)."""
    for _attempt in range(250):
        async with f.rt.engine.connect() as conn:
            query = select(erasable.c.id).where(erasable.c.message_id == message_id)
            if (await conn.execute(query)).first() is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} was never noted for erasing")


def heading(language: str, week: int = 1) -> str:
    with use_language(language):
        return _("Week {number}: {theme}").format(number=week, theme=f"Theme {week}")


async def test_a_voice_week_reaches_every_member_once_with_one_upload(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    members = [await member(vf, code, "Bamanankan") for _ in range(6)]  # Both, by default
    vf.emu.reset_counters()
    vf.emu.inject(method="sendVoice", delay=0.3, times=1)  # the others come while it uploads
    await vf.advance_to(WEEK1)
    await vf.settle()
    for _tick in range(2):
        await vf.tick()
    await vf.settle()
    voices = [programme(vf, uid) for uid in members]
    assert all(len(got) == 1 and got[0].kind == "voice" for got in voices)
    assert all("Prompt of week 1" in (got[0].caption or "") for got in voices)
    assert vf.emu.uploads() == 1 and len(vf.emu.calls("sendVoice")) == 6
    assert vf.emu.calls("sendMessage") == []
    assert len({got[0].file.file_id for got in voices if got[0].file}) == 1
    uploaded = voices[0][0].file
    assert uploaded is not None and uploaded.file_name == "tiny-4.w1.prompt.bm.ogg"
    assert uploaded.duration == 1
    assert len(await uploads_rows(vf)) == 1
    async with vf.rt.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.status, outbox.c.message_id))).all()
        erasable_ids = set((await conn.execute(select(erasable.c.message_id))).scalars())
    assert [status for status, _mid in rows] == ["sent"] * 6
    assert {mid for _s, mid in rows} <= erasable_ids  # /erase can take each voice back


async def test_listen_hears_first_read_reads_and_no_recording_means_text(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    listens = await member(vf, code, "Français", "listen")
    reads = await member(vf, code, "Français")  # French reads by default
    no_recording = await member(vf, code, "Español", "both")
    await vf.advance_to(WEEK1)
    await vf.settle()
    (heard,) = programme(vf, listens)
    assert heard.kind == "voice" and heard.caption == heading("fr")  # the heading only
    assert heard.file is not None and heard.file.file_name == "tiny-4.w1.prompt.fr.ogg"
    for uid in (reads, no_recording):
        (read,) = programme(vf, uid)
        assert read.kind == "text" and "Prompt of week 1" in (read.text or "")

    # The check-in: with Listen, the buttons come with the voice message.
    await vf.advance_to(WEEK1 + timedelta(days=3))
    await vf.settle()
    checkin = programme(vf, listens)[-1]
    assert (
        checkin.kind == "voice" and checkin.file and "checkin.fr" in (checkin.file.file_name or "")
    )
    assert len(msg_buttons(checkin)[0]) == 3
    vf.emu.press_button(listens, checkin.message_id, msg_buttons(checkin)[0][1][1])  # Partly
    edited = await vf.emu.wait_for_edit(listens, checkin.message_id)
    assert edited.kind == "voice" and edited.reply_markup in (None, [])
    assert "Tip of week 1" not in (edited.caption or "")  # heard, not read
    tip = await vf.emu.wait_for_message(listens, lambda m: m.kind == "voice")
    assert tip.file is not None and tip.file.file_name == "tiny-4.w1.tip.fr.ogg"
    await noted_for_erasing(vf, tip.message_id)

    # Read: the check-in and its tip as text, no voice.
    checkin = programme(vf, reads)[-1]
    assert checkin.kind == "text"
    vf.emu.press_button(reads, checkin.message_id, msg_buttons(checkin)[0][1][1])
    edited = await vf.emu.wait_for_edit(reads, checkin.message_id)
    assert "Tip of week 1" in (edited.text or "")
    await vf.emu.wait_idle()
    assert all(m.kind == "text" for m in vf.emu.messages(reads))


async def test_both_hears_the_tip_below_its_text(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    uid = await member(vf, code, "Bamanankan")
    await vf.advance_to(WEEK1 + timedelta(days=3))
    await vf.settle()
    checkin = programme(vf, uid)[-1]
    assert checkin.kind == "voice" and "Check-in of week 1" in (checkin.caption or "")
    vf.emu.press_button(uid, checkin.message_id, msg_buttons(checkin)[0][2][1])  # Not yet
    edited = await vf.emu.wait_for_edit(uid, checkin.message_id)
    assert "Tip of week 1" in (edited.caption or "")
    tip = await vf.emu.wait_for_message(uid, lambda m: m.kind == "voice")
    assert tip.file is not None and tip.file.file_name == "tiny-4.w1.tip.bm.ogg"


async def test_both_partners_hear_the_couples_exercise(vf: Foyer) -> None:
    _gid, code = await vf.create_group(couples_weeks="2")
    man = await member(vf, code, "Bamanankan")
    partner = await partner_joins(vf, await invite_partner(vf, man), language="Bamanankan")
    await vf.advance_to(WEEK1 + timedelta(days=7))
    await vf.settle()
    for uid in (man, partner):
        heard = [
            m for m in vf.emu.messages(uid) if m.file and "couples" in (m.file.file_name or "")
        ]
        assert len(heard) == 1 and heard[0].kind == "voice"
        assert heard[0].file is not None
        assert heard[0].file.file_name == "tiny-4.w2.couples_exercise.bm.ogg"
        assert "Sharing the day" in (heard[0].caption or "")


async def test_discreet_voice_starts_neutral_and_is_protected(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    both = await member(vf, code, "Bamanankan")
    listens = await member(vf, code, "Bamanankan", "listen")
    async with vf.rt.engine.begin() as conn:
        await conn.execute(update(person).values(discreet=True))
    await vf.advance_to(WEEK1)
    await vf.settle()
    with use_language("bm"):
        neutral = neutral_first_line(weekly=True)
    for uid in (both, listens):
        (heard,) = programme(vf, uid)
        assert heard.kind == "voice" and heard.protect_content
        assert (heard.caption or "").startswith(neutral)
    assert "Prompt of week 1" not in (programme(vf, listens)[0].caption or "")


async def test_a_text_over_a_caption_follows_its_voice_and_a_failed_text_is_retried_alone(
    vf: Foyer,
) -> None:
    _gid, code = await vf.create_group()
    uid = await member(vf, code, "Bamanankan")
    await vf.advance_to(WEEK1 + timedelta(days=6, hours=23))
    await vf.settle()
    before = len(programme(vf, uid))
    vf.emu.reset_counters()
    vf.emu.inject(method="sendMessage", status=502, times=1)  # the text's first try fails
    await vf.advance_to(WEEK1 + timedelta(days=7))
    await vf.settle_after(timedelta(seconds=30))
    voice, text = programme(vf, uid)[before:]
    assert voice.kind == "voice" and voice.caption == heading("bm", 2)
    assert text.kind == "text" and LONG_CHALLENGE.strip() in (text.text or "")
    assert text.disable_notification  # it came right after the voice, which rang
    assert len(vf.emu.calls("sendVoice")) == 1  # the retry sent the text only
    assert [c.status for c in vf.emu.calls("sendMessage")] == [502, 200]
    async with vf.rt.engine.connect() as conn:
        (row,) = (
            await conn.execute(
                select(outbox.c.status, outbox.c.message_id, outbox.c.attempts).where(
                    outbox.c.week == 2, outbox.c.kind == "prompt"
                )
            )
        ).all()
        erasable_ids = set((await conn.execute(select(erasable.c.message_id))).scalars())
    assert row == ("sent", text.message_id, 2)
    assert {voice.message_id, text.message_id} <= erasable_ids


async def test_pending_and_rejected_recordings_are_never_sent(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    uid = await member(vf, code, "Español", "listen")  # Spanish: no file in the curriculum
    k = key(AudioItem.PROMPT, "es")
    for status in (RecordingStatus.DRAFT, RecordingStatus.PENDING, RecordingStatus.REJECTED):
        stored = vf.emu.state.add_file("voice", data=opus_bytes(1.0, 300.0))
        await add_recording(vf, k, status, file_id=stored.file_id, bot_id=vf.app.bot.id)
    await vf.advance_to(WEEK1)
    await vf.settle()
    (got,) = programme(vf, uid)
    assert got.kind == "text" and vf.emu.calls("sendVoice") == []


async def test_a_refused_file_id_in_a_fan_out_is_uploaded_again_once(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    members = [await member(vf, code, "Bamanankan") for _ in range(4)]
    voice = await find_voice(vf.rt, key(AudioItem.PROMPT, "bm"))
    assert voice is not None
    async with vf.rt.engine.begin() as conn:  # uploaded by this bot before its token changed
        await audio_uploads.remember(conn, vf.app.bot.id, voice.source, "STALE", vf.clock.now())
    vf.rt.voice.file_ids.clear()
    vf.emu.reset_counters()
    await vf.advance_to(WEEK1)
    await vf.settle()
    assert all([m.kind for m in programme(vf, uid)] == ["voice"] for uid in members)
    assert vf.emu.uploads() == 1
    ((_source, new),) = await uploads_rows(vf)
    assert new != "STALE"
    refused = [c for c in vf.emu.calls("sendVoice") if c.status == 400]
    assert 1 <= len(refused) <= len(members)  # those already on their way with it


async def test_a_second_refusal_fails_the_row(vf: Foyer) -> None:
    _gid, code = await vf.create_group()
    uid = await member(vf, code, "Bamanankan")
    voice = await find_voice(vf.rt, key(AudioItem.PROMPT, "bm"))
    assert voice is not None
    async with vf.rt.engine.begin() as conn:
        await audio_uploads.remember(conn, vf.app.bot.id, voice.source, "STALE", vf.clock.now())
    vf.rt.voice.file_ids.clear()
    refusal = "Bad Request: wrong file identifier/HTTP URL specified"
    vf.emu.inject(method="sendVoice", status=400, description=refusal, times=2)
    await vf.advance_to(WEEK1)
    await vf.settle()
    assert programme(vf, uid) == []
    async with vf.rt.engine.connect() as conn:
        (row,) = (await conn.execute(select(outbox.c.status, outbox.c.last_error))).all()
    assert row[0] == "failed" and (row[1] or "").startswith("bad_request")
