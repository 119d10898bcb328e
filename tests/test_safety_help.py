"""Help, always: /help, the help words and the safe word show the referral resources for the
member's country and language from any state; "talk to a person" reaches the focal points only
with the member's agreement. Also the resources files and their checker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import build_application, running
from bot.domain import resources
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.settings import SettingsError, load_settings
from bot.storage.tables import concern, group, outbox
from tests.conftest import Foyer, make_settings, msg_buttons
from tests.facilitator_helpers import make_facilitator

FOCAL = 9001  # the deployment's safeguarding focal point
SAFE_WORD = "mango"


async def start_foyer(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock, **overrides: Any
) -> AsyncIterator[Foyer]:
    # Telegram's 48-hour delete window runs on the same clock as Foyer.
    emu.clock = clock.now
    values: dict[str, Any] = {"safeguarding_ids": frozenset({FOCAL}), "safe_word": SAFE_WORD}
    values.update(overrides)
    app = build_application(make_settings(emu, db_url, **values), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


@pytest.fixture
async def sfoyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    async for f in start_foyer(emu, db_url, clock):
        yield f


async def focal_ready(f: Foyer, uid: int = FOCAL) -> None:
    """A focal point who has opened a chat with Foyer (so Foyer can write to them)."""
    f.emu.user(uid, first_name="Fatou", username=f"focal{uid}")
    f.emu.send_text(uid, "/start")
    await f.last_message(uid)


async def set_country(f: Foyer, gid: int, country: str | None) -> None:
    async with f.rt.engine.begin() as conn:
        await conn.execute(update(group).where(group.c.id == gid).values(country=country))


async def ask(f: Foyer, uid: int, text: str) -> Any:
    f.emu.send_text(uid, text)
    return await f.last_message(uid)


# --- the resources files -------------------------------------------------------------------


def test_shipped_resources_are_valid_and_cover_every_category() -> None:
    root = resources.resources_dir()
    errors, _warnings = resources.check(root, date(2026, 11, 22))
    assert errors == []
    found = resources.load_all(root)
    assert set(found) == {"generic", "ML", "NI", "IN"}
    for res in found.values():
        for entry in res.entry:
            assert entry.last_checked and entry.verify  # every entry says how to re-check it
    generic = resources.for_country(found, None)
    assert all(generic[cat] for cat in resources.Category)
    assert all(e.phone is None for es in generic.values() for e in es)  # no invented numbers


def test_resource_checker_names_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "generic.toml").write_text(
        (resources.resources_dir() / "generic.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "ml.toml").write_text(
        'country = "ML"\nname = "Mali"\n[[entry]]\ncategory = "shelter"\nname = "X"\n'
        'phone = "17"\nlanguages = ["fr"]\nlast_checked = 2026-01-01\nverify = "call"\n',
        encoding="utf-8",
    )
    errors, _ = resources.check(tmp_path, date(2026, 11, 22))
    assert len(errors) == 1 and errors[0].startswith("ml.toml:entry.0.category")

    (tmp_path / "ml.toml").write_text(
        'country = "ML"\nname = "Mali"\n[[entry]]\ncategory = "emergency"\nname = "Police"\n'
        'phone = "17"\nlanguages = ["fr"]\nlast_checked = 2024-01-01\nverify = "call"\n',
        encoding="utf-8",
    )
    errors, warnings = resources.check(tmp_path, date(2026, 11, 22))
    assert errors == [] and warnings == ["ml.toml:entry.0: last checked 2024-01-01; check it again"]

    (tmp_path / "ml.toml").write_text(
        'country = "ML"\nname = "Mali"\n[[entry]]\ncategory = "emergency"\nname = "Police"\n'
        'languages = ["fr"]\nlast_checked = 2026-01-01\nverify = "call"\n',
        encoding="utf-8",
    )
    errors, _ = resources.check(tmp_path, date(2026, 11, 22))
    assert len(errors) == 1 and "phone number or a 'how'" in errors[0]


# --- /help and the safe word ---------------------------------------------------------------


async def test_help_shows_country_resources_and_talk_button(sfoyer: Foyer) -> None:
    gid, code = await sfoyer.create_group()
    await set_country(sfoyer, gid, "ML")
    uid = await sfoyer.join(code)
    msg = await ask(sfoyer, uid, "/help")
    assert msg.text.startswith("Help\n")
    assert "Police: 17" in msg.text and "SAMU" in msg.text  # Mali's own numbers
    assert "/concern" in msg.text and "/forget" in msg.text
    assert [row[0][0] for row in msg_buttons(msg)] == ["🙋 Talk to a person"]


async def test_help_in_french_with_generic_fallback_without_a_country(sfoyer: Foyer) -> None:
    _gid, code = await sfoyer.create_group(timezone="UTC")  # a timezone of no one country
    uid = await sfoyer.join(code, language="Français")
    msg = await ask(sfoyer, uid, "aide")  # the help word, in French
    assert "Services d'urgence" in msg.text  # generic guidance, its French text
    assert "17" not in msg.text  # no country: no number is invented


async def test_help_for_a_stranger_and_nicaragua_in_spanish(sfoyer: Foyer) -> None:
    stranger = sfoyer.new_user(language_code="es")
    msg = await ask(sfoyer, stranger, "/help")
    assert "Servicios de emergencia" in msg.text  # generic guidance in the phone's language

    gid, code = await sfoyer.create_group(name="León")
    await set_country(sfoyer, gid, "NI")
    uid = await sfoyer.join(code, language="Español")
    msg = await ask(sfoyer, uid, "/help")
    assert "Policía Nacional" in msg.text and "118" in msg.text


async def test_safe_word_shows_help_like_help_does(sfoyer: Foyer) -> None:
    gid, code = await sfoyer.create_group()
    await set_country(sfoyer, gid, "IN")
    uid = await sfoyer.join(code)
    msg = await ask(sfoyer, uid, "Mango!")
    assert msg.text.startswith("Help\n") and "181" in msg.text
    msg = await ask(sfoyer, uid, "I would like a mango please")  # short message with the word
    assert msg.text.startswith("Help\n")
    msg = await ask(sfoyer, uid, "the weather is fine today")
    assert not msg.text.startswith("Help\n")  # ordinary text: the usual pointer


async def test_help_and_safe_word_interrupt_the_join_dialogue(sfoyer: Foyer) -> None:
    _gid, code = await sfoyer.create_group()
    uid = sfoyer.new_user()
    sfoyer.emu.send_text(uid, f"/start {code}")
    join_msg = await sfoyer.last_message(uid)
    await sfoyer.press(uid, join_msg, "English")
    join_msg = await sfoyer.emu.wait_for_edit(uid, join_msg.message_id)
    for word in ("/help", "HELP", SAFE_WORD):
        msg = await ask(sfoyer, uid, word)
        assert msg.text.startswith("Help\n")
    # The dialogue carries on where it was: its state rides in the buttons.
    await sfoyer.press(uid, join_msg, msg_buttons(join_msg)[0][0][1])
    edited = await sfoyer.emu.wait_for_edit(uid, join_msg.message_id)
    assert "totals" in (edited.text or "")


async def test_help_interrupts_the_concern_dialogue_and_drops_its_text(sfoyer: Foyer) -> None:
    await focal_ready(sfoyer)
    _gid, code = await sfoyer.create_group()
    uid = await sfoyer.join(code)
    msg = await ask(sfoyer, uid, "/concern")
    await sfoyer.press(uid, msg, "Complaint")
    msg = await sfoyer.emu.wait_for_edit(uid, msg.message_id)
    await sfoyer.press(uid, msg, "A member")
    msg = await sfoyer.emu.wait_for_edit(uid, msg.message_id)
    await sfoyer.press(uid, msg, "Stay anonymous")
    msg = await sfoyer.emu.wait_for_edit(uid, msg.message_id)
    assert "write your complaint" in (msg.text or "")
    sfoyer.emu.send_text(uid, SAFE_WORD)
    dropped, shown = await sfoyer.emu.wait_for_messages(uid, 2)
    assert "was not sent" in (dropped.text or "") and (shown.text or "").startswith("Help\n")
    msg = await ask(sfoyer, uid, "stray words after help")
    assert "I can only understand" in msg.text  # not taken as a concern
    async with sfoyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(concern))).first() is None


async def test_help_interrupts_a_facilitator_typed_answer(sfoyer: Foyer) -> None:
    """Another feature's "type one answer" state (a broadcast) is interrupted too."""
    gid, code = await sfoyer.create_group()
    await sfoyer.join(code)
    uid = await make_facilitator(sfoyer, gid)
    assert "a voice note" in (await ask(sfoyer, uid, "/broadcast")).text
    msg = await ask(sfoyer, uid, SAFE_WORD)
    assert "was not sent" in msg.text
    msg = await ask(sfoyer, uid, "stray words after help")
    assert "Message from your facilitator" not in (msg.text or "")  # no broadcast waits


# --- talk to a person ----------------------------------------------------------------------


async def test_talk_to_a_person_only_with_agreement(sfoyer: Foyer) -> None:
    await focal_ready(sfoyer)
    _gid, code = await sfoyer.create_group()
    uid = sfoyer.new_user()
    sfoyer.emu.user(uid, username="kalifa_k")
    await sfoyer.join(code, user_id=uid)
    help_msg = await ask(sfoyer, uid, "/help")
    await sfoyer.press(uid, help_msg, "Talk to a person")
    offer = await sfoyer.last_message(uid)
    assert "Telegram username" in offer.text
    await sfoyer.press(uid, offer, "No, not now")
    said = await sfoyer.emu.wait_for_edit(uid, offer.message_id)
    assert "Nobody has been told" in (said.text or "")
    await sfoyer.emu.wait_idle()
    assert not [m for m in sfoyer.emu.messages(FOCAL) if "asked" in (m.text or "")]

    await sfoyer.press(uid, help_msg, "Talk to a person")
    offer = await sfoyer.last_message(uid)
    await sfoyer.press(uid, offer, "Yes, tell them")
    said = await sfoyer.emu.wait_for_edit(uid, offer.message_id)
    assert said.text is not None
    assert "will write to you" in said.text and "7 days" in said.text
    await sfoyer.settle()
    note = await sfoyer.emu.wait_for_message(FOCAL, lambda m: "asked" in (m.text or ""))
    assert "@kalifa_k" in (note.text or "") and note.protect_content
    async with sfoyer.rt.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.ref, outbox.c.status).where(outbox.c.chat_id == FOCAL)
            )
        ).all()
    assert rows == [(None, "sent")]  # the handle is forgotten once it reached the focal point


async def test_no_focal_points_no_talk_button(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    async for f in start_foyer(emu, db_url, clock, safeguarding_ids=frozenset()):
        _gid, code = await f.create_group()
        uid = await f.join(code)
        msg = await ask(f, uid, "/help")
        assert msg.text.startswith("Help\n") and msg_buttons(msg) == []
        qid = f.emu.press_button(uid, msg.message_id, "zh:y")  # a forged button
        answer = await f.emu.wait_for_callback_answer(qid)
        assert answer.get("text") == "This button no longer works."
        async with f.rt.engine.connect() as conn:
            assert (await conn.execute(select(outbox))).first() is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"safe_word": "help"}, "FOYER_SAFE_WORD: must not be one of Foyer's command words"),
        ({"safe_word": "two words"}, "FOYER_SAFE_WORD: must be one ordinary word"),
        ({"safeguarding_ids": "12,abc"}, "FOYER_SAFEGUARDING_IDS: must be Telegram user ids"),
        ({"concern_retention_days": 3}, "FOYER_CONCERN_RETENTION_DAYS: "),
        ({"member_retention_days": 0}, "FOYER_MEMBER_RETENTION_DAYS: "),
    ],
)
def test_safety_settings_fail_in_one_line(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, **overrides)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_safety_settings_defaults_and_parsing() -> None:
    s = load_settings(_env_file=None, safeguarding_ids="12, 34;56", safe_word=" Mango ")
    assert s.safeguarding_ids == frozenset({12, 34, 56}) and s.safe_word == "Mango"
    assert (s.concern_retention_days, s.member_retention_days, s.concern_response_days) == (
        180,
        365,
        7,
    )
