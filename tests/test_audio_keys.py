"""The names recordings go by (bot/domain/audio.py) and the curriculum's audio fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.audio import (
    CURRICULUM_ITEMS,
    FOYER_ITEMS,
    WEEK_ITEMS,
    AudioItem,
    AudioKey,
    VoiceMode,
    voice_mode,
)
from bot.domain.curriculum import Week
from tests.audio_samples import opus_bytes


def test_each_kind_of_item_names_its_file_and_reads_back() -> None:
    keys = [
        AudioKey("men-groups-12", 3, AudioItem.PROMPT, "bm"),
        AudioKey("couples-8", 12, AudioItem.COUPLES, "fr"),
        AudioKey("men-groups-12", 0, AudioItem.CONDUCT, "bm"),
        AudioKey("", 0, AudioItem.CONSENT, "bm"),
        AudioKey("", 0, AudioItem.LANGUAGE_NOTICE, "fr"),
    ]
    names = [k.file_name() for k in keys]
    assert names == [
        "men-groups-12.w3.prompt.bm.ogg",
        "couples-8.w12.couples_exercise.fr.ogg",
        "men-groups-12.code_of_conduct.bm.ogg",
        "consent.bm.ogg",
        "language_notice.fr.ogg",
    ]
    assert [AudioKey.from_file_name(n) for n in names] == keys


@pytest.mark.parametrize(
    "name",
    ["notes.txt", "men-groups-12.w3.prompt.bm.mp3", "men-groups-12.w3.lecture.bm.ogg",
     "consent.ogg", "men-groups-12.consent.bm.ogg", "prompt.bm.ogg", "men-groups-12.w0.tip.bm.ogg"],
)  # fmt: skip
def test_other_names_are_not_recordings(name: str) -> None:
    assert AudioKey.from_file_name(name) is None


@given(
    st.sampled_from(list(AudioItem)),
    st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}", fullmatch=True),
    st.integers(1, 52),
    st.sampled_from(["en", "fr", "es", "bm"]),
)
def test_file_names_round_trip(item: AudioItem, cur: str, week: int, lang: str) -> None:
    key = AudioKey(
        "" if item in FOYER_ITEMS else cur, week if item in WEEK_ITEMS else 0, item, lang
    )
    assert AudioKey.from_file_name(key.file_name()) == key


def test_items_are_in_exactly_one_place() -> None:
    assert sorted([*WEEK_ITEMS, *CURRICULUM_ITEMS, *FOYER_ITEMS]) == sorted(AudioItem)


def test_voice_mode_follows_the_language_until_chosen() -> None:
    assert voice_mode(None, "bm") is VoiceMode.BOTH
    assert voice_mode(None, "fr") is VoiceMode.READ
    assert voice_mode("listen", "fr") is VoiceMode.LISTEN
    assert voice_mode("garbage", "bm") is VoiceMode.BOTH


def test_a_week_names_its_recordings_in_either_form() -> None:
    base = Week.model_validate(
        {"number": 1, "theme": "t", "session_plan": {
            "opening": "o", "activity": {"title": "a", "steps": ["s"]},
            "questions": ["q1", "q2", "q3"], "closing": "c", "take_home": "h",
            "duration_minutes": 60}}
    )  # fmt: skip
    week = Week.model_validate(
        {**base.model_dump(exclude={"audio"}), "audio": {"fr": "w1.fr.ogg",
         "bm": {"prompt": "w1.bm.ogg", "checkin": "w1-checkin.bm.ogg"}}}
    )  # fmt: skip
    assert list(week.audio_files()) == [
        ("bm", "prompt", "w1.bm.ogg"),
        ("bm", "checkin", "w1-checkin.bm.ogg"),
        ("fr", "prompt", "w1.fr.ogg"),
    ]


def test_the_sample_recordings_are_ogg_opus_of_their_length() -> None:
    import io

    from mutagen.oggopus import OggOpus

    data = opus_bytes(3.0)
    assert data[:4] == b"OggS" and b"OpusHead" in data[:64]
    info = OggOpus(io.BytesIO(data)).info
    assert info is not None and info.length == pytest.approx(3.0, abs=0.05)


async def test_the_library_gives_the_approved_recording_of_a_key(db_url: str) -> None:
    from datetime import UTC, datetime

    from bot.domain.audio import RecordingStatus
    from bot.storage import recordings
    from bot.storage.db import make_engine
    from bot.storage.tables import recording

    engine = make_engine(db_url)
    key = AudioKey("men-groups-12", 1, AudioItem.PROMPT, "bm")
    now = datetime(2026, 12, 5, tzinfo=UTC)
    base = {"curriculum_id": key.curriculum, "week": key.week, "item": key.item.value,
            "language": "bm", "bot_id": 1, "duration": 3, "created_at": now}  # fmt: skip
    try:
        async with engine.begin() as conn:
            assert await recordings.approved(conn, key) is None
            await conn.execute(
                recording.insert(),
                [
                    {**base, "status": "pending", "file_id": "pending-one"},
                    {**base, "status": "approved", "file_id": "the-one", "reviewed_at": now},
                    {**base, "status": "rejected", "file_id": "rejected-one"},
                    {**base, "language": "fr", "status": "approved", "file_id": "french"},
                ],
            )
            found = await recordings.approved(conn, key)
            assert found is not None and found.file_id == "the-one"
            assert found.status is RecordingStatus.APPROVED and found.key == key
            assert [r.file_id for r in await recordings.all_approved(conn)] == ["the-one", "french"]
    finally:
        await engine.dispose()
