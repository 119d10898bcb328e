"""Joining a group through the real bot: invite links, language, consent, code of conduct."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services.group_setup import renew_invite
from bot.storage.tables import membership, person
from tests.conftest import Foyer, msg_buttons


async def count(f: Foyer, table: object) -> int:
    async with f.rt.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_full_join_journey_in_french(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = foyer.new_user(language_code="fr")
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    labels = [row[0][0] for row in msg_buttons(msg)]
    assert labels[0] == "🗣 Français"  # Telegram's language first
    assert set(labels) == {"🗣 English", "🗣 Français", "🗣 Español", "🗣 Bamanankan"}

    await foyer.press(uid, msg, "Français")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert [row[0][0] for row in msg_buttons(msg)] == ["📖 Lire", "🔊 Écouter", "📖🔊 Les deux"]
    await foyer.press(uid, msg, "📖 Lire")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert msg.text is not None
    assert "/help" in msg.text and "urgence" in msg.text  # consent, in French
    await foyer.press(uid, msg, msg_buttons(msg)[0][0][0])
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    await foyer.press(uid, msg, msg_buttons(msg)[1][0][0])  # answers kept only for me
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    await foyer.press(uid, msg, msg_buttons(msg)[0][0][0])  # show my first name
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert msg.text is not None
    assert "Code of conduct" in msg.text  # the curriculum text (no French in the test fixture)
    assert await count(foyer, person) == 0  # nothing stored before the last step
    await foyer.press(uid, msg, msg_buttons(msg)[0][0][0])
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    # Welcome names the first delivery in French, in Bamako time: Friday 4 December, 09:00.
    assert msg.text is not None
    assert "Kati Men" in msg.text
    assert "vendredi 4 décembre" in msg.text and "09:00" in msg.text

    async with foyer.rt.engine.connect() as conn:
        p = (await conn.execute(select(person))).one()
        m = (await conn.execute(select(membership))).one()
    assert p.telegram_id == uid and p.language == "fr" and p.first_name == "Amadou"
    assert m.progress_opt_in is False and m.status == "active" and m.role == "member"


async def test_declining_consent_stores_nothing(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = foyer.new_user()
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "English")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    await foyer.press(uid, msg, "Read")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    await foyer.press(uid, msg, "No, thank you")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "Nothing about you has been stored" in (msg.text or "")
    assert await count(foyer, person) == 0


async def test_declining_code_of_conduct_stores_nothing(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = foyer.new_user()
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    for label in ("English", "Read", "Yes, I agree", "Yes, count my answers", "No, show a number"):
        await foyer.press(uid, msg, label)
        msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    await foyer.press(uid, msg, "No, thank you")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "change your mind" in (msg.text or "")
    assert await count(foyer, person) == 0 and await count(foyer, membership) == 0


async def test_start_without_code_and_bad_codes(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = foyer.new_user()
    foyer.emu.send_text(uid, "/start")
    assert "invite link" in (await foyer.last_message(uid)).text
    for bad in ("nope", "x" * 70, "bad!chars", f"{code} extra"):
        foyer.emu.send_text(uid, f"/start {bad}")
        assert "does not work" in (await foyer.last_message(uid)).text
    assert await count(foyer, person) == 0


async def test_revoked_code_and_stale_buttons(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    uid = foyer.new_user()
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    new_code = await renew_invite(foyer.rt, gid)
    assert new_code and new_code != code
    # A button from before the link was replaced no longer works, and stores nothing.
    await foyer.press(uid, msg, "English")
    msg = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "does not work" in (msg.text or "")
    foyer.emu.send_text(uid, f"/start {code}")
    assert "does not work" in (await foyer.last_message(uid)).text
    assert await count(foyer, person) == 0
    await foyer.join(new_code, user_id=uid)
    assert await count(foyer, membership) == 1


async def test_forged_buttons_change_nothing(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = foyer.new_user()
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    forged = (
        f"ja:{code}:de:1:1",  # unknown language
        f"ja:{code}:en:1",  # a step short
        "ja::en:1:1",  # no code
        "ja:AAAAAAAAAAAAAAAA:en:1:1",  # a code that does not exist
        "jl:zz:en",
        "ci:1:1:d",  # a check-in that was never sent
        "pz:9",
        "x",
    )
    for data in forged:
        qid = foyer.emu.press_button(uid, msg.message_id, data)
        answer = await foyer.emu.wait_for_callback_answer(qid)
        assert answer is not None
    assert await count(foyer, person) == 0 and await count(foyer, membership) == 0


async def test_reopening_invite_when_enrolled_and_joining_a_second_group(foyer: Foyer) -> None:
    _g1, code1 = await foyer.create_group(name="Kati Men")
    _g2, code2 = await foyer.create_group(name="Sikasso Men")
    uid = await foyer.join(code1)
    foyer.emu.send_text(uid, f"/start {code1}")
    assert "already in this group" in (await foyer.last_message(uid)).text
    await foyer.join(code2, user_id=uid)
    assert await count(foyer, membership) == 2
    assert await count(foyer, person) == 1
