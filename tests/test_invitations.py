"""One invitation redemption (bot/services/invitations.py): a one-time code grants once, even to
two people who accept it at the same moment, and a failed lookup is never "no such code"."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.services import couples, facilitation
from bot.storage.tables import membership, partner_contact, staff
from tests.conftest import Foyer, msg_buttons
from tests.test_couples import invite_partner
from tests.test_database_faults import TRY_AGAIN_FR


async def _count(f: Foyer, table: object, *where: object) -> int:
    async with f.rt.engine.connect() as conn:
        query = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int((await conn.execute(query)).scalar_one())


async def _at_consent(f: Foyer, code: str) -> tuple[int, int]:
    """A woman who opened the partner link and chose her language: (her id, the message)."""
    uid = f.new_user(language_code="en", first_name="Awa")
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    await f.press(uid, msg, "English")
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    assert msg_buttons(msg)[0][0][0] == "✅ Yes, I want to take part"
    return uid, msg.message_id


async def test_one_partner_link_makes_one_partner_when_two_accept_at_once(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code)
    link = await invite_partner(foyer, member)
    first, first_msg = await _at_consent(foyer, link)
    second, second_msg = await _at_consent(foyer, link)
    told_member = len(foyer.emu.messages(member))

    # Both press "Yes" before Foyer has answered either.
    for uid, message_id in ((first, first_msg), (second, second_msg)):
        data = msg_buttons(foyer.emu.message(uid, message_id))[0][0][1]
        foyer.emu.press_button(uid, message_id, data)
    answers = [
        (await foyer.emu.wait_for_edit(uid, message_id)).text or ""
        for uid, message_id in ((first, first_msg), (second, second_msg))
    ]

    assert await _count(foyer, membership, membership.c.role == "partner") == 1
    welcomed = [a for a in answers if a.startswith("Welcome.")]
    refused = [a for a in answers if not a.startswith("Welcome.")]
    assert len(welcomed) == 1 and len(refused) == 1
    # The one who came second hears what anyone with a spent link hears.
    spent = foyer.new_user()
    foyer.emu.send_text(spent, f"/start {link}")
    assert refused[0] == (await foyer.last_message(spent)).text
    assert len(foyer.emu.messages(member)) == told_member  # and he is told nothing


async def test_a_one_time_staff_code_grants_once_to_concurrent_redemptions(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    fac_code = await facilitation.create_invite(foyer.rt, gid)
    contact_code = await couples.create_contact_invite(foyer.rt, gid)
    assert fac_code is not None and contact_code is not None
    a, b = foyer.new_user(), foyer.new_user()

    accepted = await asyncio.gather(
        facilitation.accept_invite(foyer.rt, fac_code, a, "en"),
        facilitation.accept_invite(foyer.rt, fac_code, b, "en"),
    )
    contacts = await asyncio.gather(
        couples.accept_contact_invite(foyer.rt, contact_code, a, "en"),
        couples.accept_contact_invite(foyer.rt, contact_code, b, "en"),
    )

    assert sum(r is not None for r in accepted) == 1
    assert await _count(foyer, staff) == 1
    assert sum(r is not None for r in contacts) == 1
    assert await _count(foyer, partner_contact) == 1


async def test_a_failed_lookup_is_never_read_as_a_dead_link(foyer: Foyer) -> None:
    gid, member_code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(member_code)
    codes = [
        member_code,
        await invite_partner(foyer, member),
        await facilitation.create_invite(foyer.rt, gid),
        await couples.create_contact_invite(foyer.rt, gid),
    ]
    uid = foyer.new_user(language_code="fr")
    foyer.emu.send_text(uid, "/start not-a-real-code")
    dead_link = (await foyer.last_message(uid)).text
    # Only the invitations cannot be read: the person lookup before them still works.
    async with foyer.rt.engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE invite RENAME TO invite_aside")
    try:
        for code in codes:
            foyer.emu.send_text(uid, f"/start {code}")
            answer = (await foyer.last_message(uid)).text
            assert answer == TRY_AGAIN_FR != dead_link, code
    finally:
        async with foyer.rt.engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE invite_aside RENAME TO invite")
    assert await _count(foyer, membership) == 1  # the member's own, nothing more
