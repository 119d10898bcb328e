"""What members see and choose (issue 21): Read / Listen / Both at joining and in /settings,
the joining screens heard through 🔊, the notice that Bambara text comes in French, and a
symbol beside every button's word. Through the real app and the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.audio import AudioItem, AudioKey, RecordingStatus
from bot.domain.symbols import words_of
from bot.emulator import BotAPIEmulator
from bot.handlers.language_notice import language_notice_text
from bot.i18n import text_reviewed
from bot.infra.clock import OffsetClock
from bot.services import voice_choice
from bot.storage import people
from bot.storage.tables import person, recording
from tests.audio_samples import opus_bytes
from tests.conftest import Foyer, msg_buttons
from tests.test_couples import invite_partner, partner_joins
from tests.test_partner_privacy import mydata
from tests.test_safety_help import FOCAL, focal_ready, start_foyer

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
NOTICE_FR = "Les messages écrits de Foyer arrivent en français"


async def voice_mode_of(f: Foyer, uid: int) -> str | None:
    async with f.rt.engine.connect() as conn:
        row = (
            await conn.execute(select(person.c.voice_mode).where(person.c.telegram_id == uid))
        ).one()
    return row.voice_mode


async def approve(
    f: Foyer, key: AudioKey, status: RecordingStatus = RecordingStatus.APPROVED
) -> str:
    """A recording of ``key`` in the library, as a recorder and a second person left it (the
    file is in the emulator, as one recorded through this bot is); its file_id."""
    stored = f.emu.state.add_file("voice", data=opus_bytes(1.0, 300.0), file_name=key.file_name())
    async with f.rt.engine.begin() as conn:
        await conn.execute(
            recording.insert().values(
                curriculum_id=key.curriculum,
                week=key.week,
                item=key.item.value,
                language=key.language,
                status=status.value,
                bot_id=f.app.bot.id,
                file_id=stored.file_id,
                duration=1,
                created_at=f.clock.now(),
                reviewed_at=f.clock.now(),
            )
        )
    return stored.file_id


def text(message: Any) -> str:
    return str(message.text or "")


def labels(message: Any) -> list[str]:
    return [label for row in msg_buttons(message) for label, _data in row]


async def start(f: Foyer, code: str, language: str, telegram_lang: str = "en") -> tuple[int, Any]:
    """/start CODE and the language pressed: the screen that follows (read, listen or both)."""
    uid = f.new_user(language_code=telegram_lang)
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    await f.press(uid, msg, language)
    return uid, await f.emu.wait_for_edit(uid, msg.message_id)


# --- Read / Listen / Both -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["Read", "Listen", "Both"])
async def test_joining_with_each_mode_stores_it(foyer: Foyer, mode: str) -> None:
    _gid, code = await foyer.create_group()
    uid, screen = await start(foyer, code, "English")
    assert "How do you want to receive Foyer's messages?" in text(screen)
    assert labels(screen) == ["📖 Read", "🔊 Listen", "📖🔊 Both"]
    await foyer.press(uid, screen, mode)
    consent = await foyer.emu.wait_for_edit(uid, screen.message_id)
    assert "Before you join" in text(consent)
    for step in ("Yes, I agree", "Yes, count my answers", "No, show a number", "I accept"):
        msg = foyer.emu.message(uid, screen.message_id)
        await foyer.press(uid, msg, step)
        await foyer.emu.wait_for_edit(uid, screen.message_id)
    assert await voice_mode_of(foyer, uid) == mode.lower()


async def test_buttons_from_before_the_choice_still_join_with_the_languages_default(
    foyer: Foyer,
) -> None:
    """Join buttons already in chats before Read/Listen/Both carry no choice: they still
    work, nothing is stored as chosen, and the language's default applies (Bambara: Both)."""
    _gid, code = await foyer.create_group()
    uid = foyer.new_user(language_code="fr")
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    # An old consent screen's "Yes, I agree", pressed after the upgrade.
    for data in (f"jc:{code}:bm", f"jp:{code}:bm:1", f"jn:{code}:bm:1:0", f"ja:{code}:bm:1:0"):
        foyer.emu.press_button(uid, msg.message_id, data)
        msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "Kati Men" in text(msg)  # welcomed
    assert await voice_mode_of(foyer, uid) is None
    async with foyer.rt.engine.connect() as conn:
        row = await people.by_telegram_id(conn, uid)
    assert row is not None and voice_choice.mode_of(row).value == "both"
    foyer.emu.send_text(uid, "/settings")
    menu = await foyer.last_message(uid)
    assert "📖🔊 Les deux (le choix par défaut pour votre langue)" in text(menu)


async def test_a_forged_choice_changes_nothing(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code, voice="Listen")
    msg = foyer.emu.messages(uid)[-1]
    for data in ("vm:x", "vm:", "vm:ll", f"jv:{code}:en", f"jv:{code}:en:q", f"jl:{code}:en:b"):
        qid = foyer.emu.press_button(uid, msg.message_id, data)
        assert await foyer.emu.wait_for_callback_answer(qid) is not None
    assert await voice_mode_of(foyer, uid) == "listen"


async def test_settings_show_and_change_the_mode(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)  # Read
    foyer.emu.send_text(uid, "/settings")
    menu = await foyer.last_message(uid)
    assert "Messages: 📖 Read." in text(menu) and "Language: English." in text(menu)
    await foyer.press(uid, menu, "Read, listen or both…")
    choice = await foyer.emu.wait_for_edit(uid, menu.message_id)
    assert "Now: 📖 Read." in text(choice)
    assert labels(choice) == ["📖 Read", "🔊 Listen", "📖🔊 Both"]
    await foyer.press(uid, choice, "Listen")
    saved = await foyer.emu.wait_for_edit(uid, menu.message_id)
    assert "Saved." in text(saved) and "Messages: 🔊 Listen." in text(saved)
    assert await voice_mode_of(foyer, uid) == "listen"
    assert (await mydata(foyer, uid))["person"][0]["voice_mode"] == "listen"  # his own data


# --- hearing the joining screens ----------------------------------------------------------


async def test_listen_on_the_consent_screen_sends_it_in_the_chosen_language(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    french = await approve(foyer, AudioKey("", 0, AudioItem.CONSENT, "fr"))
    await approve(foyer, AudioKey("", 0, AudioItem.CONSENT, "en"))
    uid, screen = await start(foyer, code, "Français", telegram_lang="fr")
    await foyer.press(uid, screen, "Écouter")
    consent = await foyer.emu.wait_for_edit(uid, screen.message_id)
    assert labels(consent) == ["✅ Oui, j'accepte", "❌ Non, merci", "🔊 Écouter"]
    await foyer.press(uid, consent, "Écouter")
    heard = await foyer.last_message(uid)
    assert heard.kind == "voice" and heard.file.file_id == french
    # The voice carries the screen's answers; the screen above is as it was.
    assert labels(heard) == ["✅ Oui, j'accepte", "❌ Non, merci"]
    assert foyer.emu.message(uid, screen.message_id).revision == consent.revision
    await foyer.press(uid, heard, "Oui, j'accepte")
    optin = await foyer.last_message(uid)
    assert "totaux" in text(optin) and labels(optin)[0].startswith("✅")
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(person.c.id))).first() is None  # nothing stored yet


async def test_no_listen_button_without_an_approved_recording(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    await approve(foyer, AudioKey("", 0, AudioItem.CONSENT, "fr"))  # another language
    await approve(foyer, AudioKey("", 0, AudioItem.CONSENT, "en"), RecordingStatus.PENDING)
    await approve(foyer, AudioKey("", 0, AudioItem.CONSENT, "en"), RecordingStatus.REJECTED)
    uid, screen = await start(foyer, code, "English")
    await foyer.press(uid, screen, "Listen")
    consent = await foyer.emu.wait_for_edit(uid, screen.message_id)
    assert labels(consent) == ["✅ Yes, I agree", "❌ No, thank you"]
    # A 🔊 of a screen whose recording went meanwhile is told kindly, and nothing is sent.
    foyer.emu.press_button(uid, screen.message_id, f"jh:{code}:en:l")
    said = await foyer.last_message(uid)
    assert "no recording of this screen" in text(said)
    assert not [m for m in foyer.emu.messages(uid) if m.kind == "voice"]


async def test_the_code_of_conduct_can_be_heard_and_accepted_from_the_voice(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    conduct = await approve(foyer, AudioKey("tiny-4", 0, AudioItem.CONDUCT, "en"))
    uid, msg = await start(foyer, code, "English")
    for step in ("Both", "Yes, I agree", "No, keep them only for me", "Yes, show my first name"):
        await foyer.press(uid, msg, step)
        msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "code of conduct" in text(msg) and labels(msg)[-1] == "🔊 Listen"
    await foyer.press(uid, msg, "Listen")
    heard = await foyer.last_message(uid)
    assert heard.kind == "voice" and heard.file.file_id == conduct
    assert labels(heard) == [
        "✅ I accept",
        "✅🔒 I accept, with discreet messages",
        "❌ No, thank you",
    ]
    await foyer.press(uid, heard, "I accept")
    welcome = await foyer.last_message(uid)
    assert "Welcome to Kati Men!" in text(welcome)
    assert await voice_mode_of(foyer, uid) == "both"


# --- honest about Bambara text --------------------------------------------------------------


def test_only_bambara_text_is_unreviewed_today() -> None:
    assert [lang for lang in ("en", "fr", "es", "bm") if not text_reviewed(lang)] == ["bm"]
    assert language_notice_text().startswith(NOTICE_FR)  # in French, whatever the language


async def test_picking_bamanankan_tells_and_plays_the_notice(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    notice = await approve(foyer, AudioKey("", 0, AudioItem.LANGUAGE_NOTICE, "bm"))
    uid, screen = await start(foyer, code, "Bamanankan", telegram_lang="fr")
    assert text(screen).startswith(NOTICE_FR)
    assert "Comment voulez-vous recevoir" in text(screen)  # the choice follows, in French
    heard = await foyer.last_message(uid)
    assert heard.kind == "voice" and heard.file.file_id == notice
    assert labels(heard) == labels(screen)  # he can answer under what he heard
    await foyer.press(uid, heard, "📖🔊 Les deux")
    consent = await foyer.last_message(uid)
    assert "Avant de rejoindre le groupe, merci de lire ceci." in text(consent)
    # Another language: no notice, no voice.
    other, screen = await start(foyer, code, "Español")
    assert "francés" not in text(screen)
    await foyer.emu.wait_idle()
    assert not [m for m in foyer.emu.messages(other) if m.kind == "voice"]


async def test_a_partner_who_picks_bamanankan_is_told_too(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(couples_weeks="2")
    notice = await approve(foyer, AudioKey("", 0, AudioItem.LANGUAGE_NOTICE, "bm"))
    link = await invite_partner(foyer, await foyer.join(code))
    partner, consent = await start(foyer, link, "Bamanankan")
    assert text(consent).startswith(NOTICE_FR) and labels(consent)[0].startswith("✅")
    heard = await foyer.last_message(partner)
    assert heard.kind == "voice" and heard.file.file_id == notice
    assert labels(heard) == labels(consent)


async def test_the_notice_without_its_recording_is_written_only(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid, screen = await start(foyer, code, "Bamanankan")
    assert text(screen).startswith(NOTICE_FR)
    await foyer.emu.wait_idle()
    assert not [m for m in foyer.emu.messages(uid) if m.kind == "voice"]


async def test_changing_to_bambara_in_settings_tells_and_plays_the_notice(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    notice = await approve(foyer, AudioKey("", 0, AudioItem.LANGUAGE_NOTICE, "bm"))
    uid = await foyer.join(code)
    foyer.emu.send_text(uid, "/settings")
    menu = await foyer.last_message(uid)
    await foyer.press(uid, menu, "Language…")
    languages = await foyer.emu.wait_for_edit(uid, menu.message_id)
    assert set(labels(languages)) == {"🗣 English", "🗣 Français", "🗣 Español", "🗣 Bamanankan"}
    await foyer.press(uid, languages, "Bamanankan")
    done = await foyer.emu.wait_for_edit(uid, menu.message_id)
    assert NOTICE_FR in text(done)
    heard = await foyer.last_message(uid)
    assert heard.kind == "voice" and heard.file.file_id == notice
    async with foyer.rt.engine.connect() as conn:
        row = await people.by_telegram_id(conn, uid)
    assert row is not None and row.language == "bm"
    # /language to French: no notice.
    foyer.emu.send_text(uid, "/language")
    menu = await foyer.last_message(uid)
    await foyer.press(uid, menu, "Français")
    done = await foyer.emu.wait_for_edit(uid, menu.message_id)
    assert NOTICE_FR not in text(done)


# --- a symbol beside every word -------------------------------------------------------------


@pytest.fixture
async def safe_foyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    async for f in start_foyer(emu, db_url, clock):
        yield f


async def test_every_button_a_member_sees_has_a_symbol(safe_foyer: Foyer) -> None:
    """Walk every screen a member meets and look at each button: a symbol, then words."""
    f = safe_foyer
    await focal_ready(f, FOCAL)
    _gid, code = await f.create_group(couples_weeks="1")
    for key in (
        AudioKey("", 0, AudioItem.CONSENT, "en"),
        AudioKey("tiny-4", 0, AudioItem.CONDUCT, "en"),
    ):
        await approve(f, key)
    seen: list[str] = []

    def look(message: Any) -> Any:
        seen.extend(labels(message))
        return message

    uid = f.new_user()
    f.emu.send_text(uid, f"/start {code}")
    msg = look(await f.last_message(uid))
    steps = ("English", "Listen", "Yes, I agree", "Yes, count my answers", "No, show a number")
    for step in steps:
        await f.press(uid, msg, step)
        msg = look(await f.emu.wait_for_edit(uid, msg.message_id))
    await f.press(uid, msg, "Listen")  # the code of conduct, heard
    look(await f.last_message(uid))
    await f.press(uid, msg, "I accept")
    await f.emu.wait_for_edit(uid, msg.message_id)

    async def ask(text: str) -> Any:
        f.emu.send_text(uid, text)
        return look(await f.last_message(uid))

    async def press(message: Any, label: str) -> Any:
        await f.press(uid, message, label)
        return look(await f.emu.wait_for_edit(uid, message.message_id))

    menu = await ask("/settings")
    for button in ("Read, listen or both…", "Listen"):
        menu = await press(menu, button)
    await press(menu, "Automatic deletion…")
    await press(await ask("/settings"), "Language…")
    await ask("/language")
    await ask("/pause")
    await ask("/stop")
    await ask("/forget")
    await f.press(uid, await ask("/help"), "Talk to a person")
    look(await f.last_message(uid))  # the offer to tell a focal point, yes or no
    concern = await ask("/concern")
    for button in ("Complaint", "The programme"):
        concern = await press(concern, button)
    await ask("he said he will kill me tonight")
    f.emu.send_photo(uid)
    look(await f.last_message(uid))
    # The week's check-in, and the couples' one.
    await f.advance_to(WEEK1 + timedelta(days=3))
    await f.settle()
    for message in f.emu.messages(uid):
        look(message)

    assert {"🔊 Listen", "✅ Done", "🌓 Partly", "⏳ Not yet", "⏸ 1 week", "❌ Cancel"} <= set(seen)
    assert len(set(seen)) > 40
    bare = [label for label in seen if words_of(label) == label or label[0].isalnum()]
    assert bare == []


async def test_a_bambara_member_reads_dates_in_the_language_of_his_text(foyer: Foyer) -> None:
    """His text falls back to French until Bambara is reviewed: the date in it is French
    too, never "juma 11 desanburu" inside a French sentence (seen in a rehearsal)."""
    from babel.dates import get_day_names, get_month_names

    _gid, code = await foyer.create_group()  # starts after the clock: a date to come
    uid = await foyer.join(code, language="Bamanankan")
    welcome = next(m for m in reversed(foyer.emu.messages(uid)) if "Bienvenue" in text(m))
    words = set(text(welcome).replace(",", " ").split())
    bambara = {*get_day_names("wide", locale="bm").values(), *get_month_names(locale="bm").values()}
    french = {*get_day_names("wide", locale="fr").values(), *get_month_names(locale="fr").values()}
    assert "arrivera" in words and words & french and not words & bambara, text(welcome)


async def test_a_partner_chooses_read_listen_or_both_as_she_joins(foyer: Foyer) -> None:
    """The couples track's partner is asked too, on the last screen of her joining."""
    _gid, code = await foyer.create_group(couples_weeks="2")
    link = await invite_partner(foyer, await foyer.join(code))
    partner = await partner_joins(foyer, link, language="English")
    welcome = foyer.emu.messages(partner)[-1]  # the joining screen, edited to its last step
    assert "How do you want to receive Foyer's messages?" in text(welcome)
    assert labels(welcome) == ["📖 Read", "🔊 Listen", "📖🔊 Both"]
    assert await voice_mode_of(foyer, partner) is None  # until she chooses: her language's
    await foyer.press(partner, welcome, "Listen")
    saved = await foyer.emu.wait_for_edit(partner, welcome.message_id)
    assert "Saved." in text(saved)
    assert await voice_mode_of(foyer, partner) == "listen"
