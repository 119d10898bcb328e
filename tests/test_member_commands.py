"""Member commands, plain words, and the kind answers to everything else."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.tables import membership, metadata, person
from tests.conftest import Foyer, msg_buttons


async def test_command_menu_is_set_per_language(foyer: Foyer) -> None:
    en = [c["command"] for c in foyer.emu.commands()]
    assert en == ["help", "progress", "pause", "resume", "language", "stop"]
    for lang in ("fr", "es", "bm"):
        menu = foyer.emu.commands(language_code=lang)
        assert [c["command"] for c in menu] == en
    assert (
        foyer.emu.commands(language_code="fr")[0]["description"]
        != foyer.emu.commands()[0]["description"]
    )


async def test_language_change_is_stored_and_used(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    foyer.emu.send_text(uid, "/language")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "Español")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(person.c.language))).scalar_one() == "es"
    foyer.emu.send_text(uid, "/resume")  # answered in Spanish now
    reply = (await foyer.last_message(uid)).text
    assert reply and "resume" not in reply.lower()


async def test_plain_words_in_each_language(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    for word in ("STOP", "Arrêt", "parar", "dabila"):
        foyer.emu.send_text(uid, word)
        msg = await foyer.last_message(uid)
        assert [b[1] for b in msg.reply_markup[0]] == ["st:y", "st:n"], word
    for word in ("help", "AIDE", "ayuda"):
        foyer.emu.send_text(uid, word)
        assert "Help" in (await foyer.last_message(uid)).text


async def test_unknown_commands_free_text_and_stickers_get_kind_answers(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    async with foyer.rt.engine.connect() as conn:
        before = (await conn.execute(select(membership))).all()
    foyer.emu.send_text(uid, "/frobnicate now")
    assert "don't know that command" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "I want to tell you something private about my family")
    assert "/help" in (await foyer.last_message(uid)).text
    foyer.emu.send_sticker(uid)
    assert "Thank you for the sticker!" in (await foyer.last_message(uid)).text
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(membership))).all() == before


async def test_commands_before_joining_explain_how_to_join(foyer: Foyer) -> None:
    uid = foyer.new_user()
    for command in ("/pause", "/stop", "/progress", "/language", "/resume"):
        foyer.emu.send_text(uid, command)
        assert "invite link" in (await foyer.last_message(uid)).text
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(person))).all() == []


async def test_stop_can_be_cancelled_and_rejoined(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    foyer.emu.send_text(uid, "/stop")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "No, keep going")
    assert "Nothing has changed" in (
        (await foyer.emu.wait_for_edit(uid, msg.message_id)).text or ""
    )
    foyer.emu.send_text(uid, "/stop")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "Yes, stop")
    await foyer.emu.wait_for_edit(uid, msg.message_id)
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(membership.c.status))).scalar_one() == "stopped"
    await foyer.join(code, user_id=uid)  # the same invite link brings him back
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(membership.c.status))).scalar_one() == "active"


async def test_help_shows_the_resources_of_the_groups_country(foyer: Foyer) -> None:
    """A Bamako group is in Mali (read off its timezone): /help lists Mali's numbers."""
    _gid, code = await foyer.create_group(timezone="Africa/Bamako")
    uid = await foyer.join(code)
    foyer.emu.send_text(uid, "/help")
    text = (await foyer.last_message(uid)).text
    assert "17" in text and "Police" in text
    _gid2, code2 = await foyer.create_group(name="Managua", timezone="America/Managua")
    other = await foyer.join(code2)
    foyer.emu.send_text(other, "/help")
    assert "118" in (await foyer.last_message(other)).text


async def _all_rows(foyer: Foyer) -> dict[str, list[Any]]:
    async with foyer.rt.engine.connect() as conn:
        return {
            name: [
                {k: v for k, v in r._mapping.items() if k != "last_seen_at"}
                for r in (await conn.execute(select(table))).all()
            ]
            for name, table in metadata.tables.items()
            # Foyer's own replies, noted for /erase; the ids of the updates handled
            if name not in ("erasable", "handled_update")
        }


@pytest.mark.parametrize(
    ("language", "thanks", "not_kept", "meeting", "buttons"),
    [
        (
            "English",
            "Thank you for the {kind}!",
            "Foyer does not keep photos, voice messages, stickers or files",
            "Your group would love to hear about it at the next meeting.",
            ["mm:progress", "mm:pause", "mm:help"],
        ),
        (
            "Français",
            "Merci pour {kind}\u00a0!",
            "Foyer ne garde ni les photos, ni les messages vocaux",
            "Votre groupe sera heureux d'en entendre parler à la prochaine réunion.",
            ["mm:progress", "mm:pause", "mm:help"],
        ),
    ],
)
async def test_photos_voice_stickers_and_files_get_thanks_and_nothing_is_kept(
    foyer: Foyer, language: str, thanks: str, not_kept: str, meeting: str, buttons: list[str]
) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code, language=language)
    before = await _all_rows(foyer)
    kinds = {
        "English": ["photo", "voice message", "sticker", "file"],
        "Français": ["la photo", "le message vocal", "l'autocollant", "le fichier"],
    }[language]
    senders = [
        lambda: foyer.emu.send_photo(uid, caption="our yard, swept", data=b"\xff\xd8yard"),
        lambda: foyer.emu.send_voice(uid, 12, data=b"OggS-voice"),
        lambda: foyer.emu.send_sticker(uid),
        lambda: foyer.emu.send_document(uid, "notes.pdf", data=b"%PDF-1.4 my notes"),
    ]
    for send, kind in zip(senders, kinds, strict=True):
        send()
        msg = await foyer.last_message(uid)
        assert msg.text.startswith(thanks.format(kind=kind)), msg.text
        assert not_kept in msg.text
        assert meeting in msg.text
        assert [d for row in msg_buttons(msg) for _label, d in row] == buttons
    # Nothing stored: no row changed, and Foyer never fetched a file.
    assert await _all_rows(foyer) == before
    assert not [c for c in foyer.emu.calls() if c.method == "getFile"]
    # The buttons do what the commands do.
    foyer.emu.send_photo(uid)
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "mm:pause")
    paused = await foyer.last_message(uid)
    assert msg_buttons(paused)[0][0][1] == "pz:1"
    await foyer.press(uid, msg, "mm:help")
    assert "/concern" in (await foyer.last_message(uid)).text


async def test_media_from_a_stranger_says_how_to_join(foyer: Foyer) -> None:
    uid = foyer.new_user()
    foyer.emu.send_photo(uid)
    text = (await foyer.last_message(uid)).text
    assert text.startswith("Thank you for the photo!")
    assert "invite link" in text
    async with foyer.rt.engine.connect() as conn:
        assert (await conn.execute(select(person))).all() == []
