"""The couples track: partners who each choose to take part, and nothing passing between them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage import migrate
from bot.storage.tables import invite, membership, person
from tests.conftest import T0, Foyer, make_settings, msg_buttons

WEEK1 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Friday delivery, Bamako
LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


async def invite_partner(f: Foyer, member: int) -> str:
    f.emu.send_text(member, "/partner")
    msg = await f.last_message(member)
    found = LINK.search(msg.text or "")
    assert found, msg.text
    return found.group(1)


async def partner_joins(f: Foyer, code: str, language: str = "Français") -> int:
    uid = f.new_user(language_code="fr", first_name="Awa")
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    await f.press(uid, msg, language)
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    await f.press(uid, msg, msg_buttons(msg)[0][0][1])  # yes, I want to take part
    await f.emu.wait_for_edit(uid, msg.message_id)
    return uid


async def rows(f: Foyer, table: Any) -> int:
    async with f.rt.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_partner_joins_and_receives_only_the_joint_exercise(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code)
    foyer.emu.send_text(member, "/partner")
    text = (await foyer.last_message(member)).text
    assert "never tell you whether she opens it" in text
    partner_code = LINK.search(text).group(1)  # type: ignore[union-attr]
    partner = await partner_joins(foyer, partner_code, language="English")
    async with foyer.rt.engine.connect() as conn:
        p = (await conn.execute(select(membership).where(membership.c.role == "partner"))).one()
        used = await conn.execute(select(invite.c.used_at).where(invite.c.kind == "partner"))
        assert used.scalar_one() is not None
    assert p.partner_of is not None
    assert not any("joined" in (m.text or "") for m in foyer.emu.messages(member)[-1:])

    for day in (0, 3):  # week 1: not a couples week
        await foyer.advance_to(WEEK1 + timedelta(days=day))
        await foyer.settle()
    assert ([m.text for m in foyer.emu.messages(partner)][-1] or "").startswith("Welcome.")

    await foyer.advance_to(WEEK1 + timedelta(days=7))  # week 2: the couples week
    await foyer.settle()
    exercise = await foyer.last_message(partner)
    assert exercise.text.startswith("To do together this week: Sharing the day")
    assert exercise.text in [m.text for m in foyer.emu.messages(member)]

    await foyer.advance_to(WEEK1 + timedelta(days=10))
    await foyer.settle()
    check = await foyer.last_message(partner)
    assert [b[0] for row in msg_buttons(check) for b in row] == [
        "✅ Done",
        "⏳ Not yet",
        "😟 It was difficult",
    ]
    member_sees = [m.text for m in foyer.emu.messages(member)]
    await foyer.press(partner, check, "It was difficult")
    answer = await foyer.emu.wait_for_edit(partner, check.message_id)
    assert "/help" in (answer.text or "")
    await foyer.settle()
    assert [m.text for m in foyer.emu.messages(member)] == member_sees  # nothing reached him


async def test_couples_curriculum_sends_both_the_same(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(curriculum="tiny-couples-2")
    member = await foyer.join(code)
    partner = await partner_joins(foyer, await invite_partner(foyer, member), "English")
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    his = [m.text for m in foyer.emu.messages(member)][-2:]
    hers = [m.text for m in foyer.emu.messages(partner)][-2:]
    assert his == hers
    assert (his[0] or "").startswith("Week 1: Couples theme 1")
    assert (his[1] or "").startswith("To do together this week: Exercise 1")
    await foyer.advance_to(WEEK1 + timedelta(days=3))
    await foyer.settle()
    for uid in (member, partner):  # both answer the couples check-in, privately
        buttons = msg_buttons(foyer.emu.messages(uid)[-1])
        assert buttons[1][0][0] == "😟 It was difficult"


def week_one_messages(f: Foyer, uid: int) -> list[str]:
    return [
        (m.text or "").split("\n")[0]
        for m in f.emu.messages(uid)
        if (m.text or "").startswith(("Week 1:", "To do together this week"))
    ]


async def test_a_persons_messages_arrive_in_order_when_the_first_is_slow(foyer: Foyer) -> None:
    # The week's prompt, then the joint exercise: while the prompt is still on its way (a slow
    # answer), no other lane may send the exercise to the same chat.
    _gid, code = await foyer.create_group(curriculum="tiny-couples-2")
    member = await foyer.join(code)
    await partner_joins(foyer, await invite_partner(foyer, member), "English")
    foyer.emu.inject(method="sendMessage", delay=0.5, times=1, chat_id=member)
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    assert week_one_messages(foyer, member) == [
        "Week 1: Couples theme 1",
        "To do together this week: Exercise 1",
    ]


async def test_a_persons_messages_arrive_in_order_when_the_first_is_retried(
    foyer: Foyer,
) -> None:
    # A prompt that failed waits for its retry, and what follows it to the same person waits
    # behind it; other people's messages go on.
    _gid, code = await foyer.create_group(curriculum="tiny-couples-2")
    member = await foyer.join(code)
    partner = await partner_joins(foyer, await invite_partner(foyer, member), "English")
    foyer.emu.inject(method="sendMessage", status=502, times=1, chat_id=member)
    await foyer.advance_to(WEEK1)
    await foyer.settle()
    assert len(week_one_messages(foyer, partner)) == 2
    await foyer.settle_after(timedelta(seconds=30))
    assert week_one_messages(foyer, member) == [
        "Week 1: Couples theme 1",
        "To do together this week: Exercise 1",
    ]


# -- Nothing crosses ---------------------------------------------------------------------------

Scenario = Callable[[Foyer, int, int | None], Awaitable[None]]


def normalise(texts: list[str]) -> list[str]:
    return [LINK.sub("LINK", t) for t in texts]


async def transcript(
    tmp_path: Any, name: str, partner_accepts: bool, act: Scenario, watch: str
) -> list[str]:
    """Play a whole couples curriculum; return what the watched person received."""
    url = f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}"
    migrate.upgrade(url)
    clock = OffsetClock(T0)
    async with BotAPIEmulator() as emu:
        app = build_application(make_settings(emu, url), clock=clock)
        async with running(app, poll_timeout=1):
            f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
            _gid, code = await f.create_group(curriculum="tiny-couples-2")
            member = await f.join(code)
            link = await invite_partner(f, member)
            partner: int | None = None
            if partner_accepts:
                partner = await partner_joins(f, link)
            else:
                uid = f.new_user(language_code="fr")
                f.emu.send_text(uid, f"/start {link}")
                msg = await f.last_message(uid)
                await f.press(uid, msg, "Français")
                msg = await f.emu.wait_for_edit(uid, msg.message_id)
                await f.press(uid, msg, msg_buttons(msg)[1][0][1])  # no, thank you
                await f.emu.wait_for_edit(uid, msg.message_id)
            for day in (0, 3, 7, 10):
                await f.advance_to(WEEK1 + timedelta(days=day))
                await f.settle()
                await act(f, member, partner)
                await f.settle()
            await f.emu.wait_idle()
            target = member if watch == "member" else partner
            assert target is not None
            return normalise([m.text or m.caption or "" for m in emu.all_messages(target)])


async def nothing(f: Foyer, member: int, partner: int | None) -> None:
    return None


async def answer_all(uid: int | None, label: str, f: Foyer) -> None:
    if uid is None:
        return
    last = f.emu.messages(uid)[-1]
    if last.reply_markup and label in [b[0] for row in msg_buttons(last) for b in row]:
        await f.press(uid, last, label)
        await f.emu.wait_for_edit(uid, last.message_id)


async def partner_difficult(f: Foyer, member: int, partner: int | None) -> None:
    await answer_all(partner, "It was difficult", f)


async def partner_done(f: Foyer, member: int, partner: int | None) -> None:
    await answer_all(partner, "Done", f)


async def partner_leaves(f: Foyer, member: int, partner: int | None) -> None:
    if partner is None or f.clock.now() < WEEK1 + timedelta(days=7):
        return
    f.emu.send_text(partner, "/stop")
    msg = await f.last_message(partner)
    if msg.reply_markup:
        await f.press(partner, msg, "st:y")
        await f.emu.wait_for_edit(partner, msg.message_id)


async def partner_language_and_help(f: Foyer, member: int, partner: int | None) -> None:
    if partner is None:
        return
    f.emu.send_text(partner, "/language")
    msg = await f.last_message(partner)
    await f.press(partner, msg, "lang:es")
    await f.emu.wait_for_edit(partner, msg.message_id)
    f.emu.send_text(partner, "/help")
    await f.last_message(partner)


async def member_difficult(f: Foyer, member: int, partner: int | None) -> None:
    await answer_all(member, "It was difficult", f)


async def member_leaves(f: Foyer, member: int, partner: int | None) -> None:
    if f.clock.now() < WEEK1 + timedelta(days=7):
        return
    f.emu.send_text(member, "/stop")
    msg = await f.last_message(member)
    if msg.reply_markup:
        await f.press(member, msg, "st:y")
        await f.emu.wait_for_edit(member, msg.message_id)


@pytest.mark.parametrize(
    ("accepts", "act"),
    [
        (False, nothing),
        (True, partner_difficult),
        (True, partner_done),
        (True, partner_leaves),
        (True, partner_language_and_help),
    ],
    ids=["declines", "difficult", "done", "leaves", "language+help"],
)
async def test_member_receives_the_same_whatever_the_partner_does(
    tmp_path: Any, accepts: bool, act: Scenario
) -> None:
    baseline = await transcript(tmp_path, "base", True, nothing, "member")
    other = await transcript(tmp_path, "other", accepts, act, "member")
    assert other == baseline


@pytest.mark.parametrize("act", [member_difficult, member_leaves], ids=["difficult", "leaves"])
async def test_partner_receives_the_same_whatever_the_member_does(
    tmp_path: Any, act: Scenario
) -> None:
    baseline = await transcript(tmp_path, "base", True, nothing, "partner")
    other = await transcript(tmp_path, "other", True, act, "partner")
    # Her own chat shows only her own actions: compare what Foyer sent on its own.
    assert other == baseline


# -- Bad input ----------------------------------------------------------------------------------


async def test_bad_partner_links(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code)
    link = await invite_partner(foyer, member)

    foyer.emu.send_text(member, f"/start {link}")  # his own link
    assert "pass the link on" in (await foyer.last_message(member)).text

    stranger = foyer.new_user()
    foyer.emu.send_text(stranger, "/start AAAAAAAAAAAAAAAAAAAAAA")  # forged
    assert "does not work" in (await foyer.last_message(stranger)).text

    foyer.emu.send_group_text(-100123, stranger, f"/start {link}")  # in a group chat
    assert "private chat" in ((await foyer.emu.wait_for_message(-100123)).text or "")

    partner = await partner_joins(foyer, link, language="English")
    other = foyer.new_user()
    foyer.emu.send_text(other, f"/start {link}")  # used already
    assert "does not work" in (await foyer.last_message(other)).text

    # A partner already linked cannot be linked to a second member.
    member2 = await foyer.join(code)
    link2 = await invite_partner(foyer, member2)
    foyer.emu.send_text(partner, f"/start {link2}")
    assert "already take part" in (await foyer.last_message(partner)).text

    # Expired after seven days.
    link3 = await invite_partner(foyer, member2)
    foyer.clock.advance(timedelta(days=7, minutes=1))
    late = foyer.new_user()
    foyer.emu.send_text(late, f"/start {link3}")
    assert "does not work" in (await foyer.last_message(late)).text
    async with foyer.rt.engine.connect() as conn:
        partners = (
            await conn.execute(select(func.count()).where(membership.c.role == "partner"))
        ).scalar_one()
    assert partners == 1
    assert await rows(foyer, person) == 3  # two members and one partner: nobody else stored


async def test_partner_invitation_needs_a_couples_group(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()  # no couples track
    member = await foyer.join(code)
    foyer.emu.send_text(member, "/partner")
    assert "couples exercises" in (await foyer.last_message(member)).text
    async with foyer.rt.engine.connect() as conn:
        assert (
            await conn.execute(select(func.count()).where(invite.c.kind == "partner"))
        ).scalar_one() == 0


async def test_forged_couples_checkin_changes_nothing(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code)
    msg = foyer.emu.messages(member)[-1]
    qid = foyer.emu.press_button(member, msg.message_id, "cc:1:2:h")
    assert await foyer.emu.wait_for_callback_answer(qid)
    from bot.storage.tables import checkin

    assert await rows(foyer, checkin) == 0


async def test_facilitator_invites_a_partner_directly(foyer: Foyer) -> None:
    from tests.facilitator_helpers import make_facilitator, tap

    gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code, show_name=True)
    fac = await make_facilitator(foyer, gid)
    foyer.emu.send_text(fac, "/groups")
    menu = await tap(foyer, fac, await foyer.last_message(fac), "Kati Men")
    pick = await tap(foyer, fac, menu, "Invite a member's partner")
    link = await tap(foyer, fac, pick, "Amadou")
    partner_code = LINK.search(link.text).group(1)  # type: ignore[union-attr]
    before = [m.text for m in foyer.emu.messages(member)]
    partner = await partner_joins(foyer, partner_code, language="English")
    async with foyer.rt.engine.connect() as conn:
        row = (await conn.execute(select(membership).where(membership.c.role == "partner"))).one()
        his = (
            await conn.execute(select(membership.c.id).where(membership.c.role == "member"))
        ).scalar_one()
    assert row.partner_of == his
    assert [m.text for m in foyer.emu.messages(member)] == before  # he is told nothing
    assert "couples exercises" in (foyer.emu.messages(partner)[-1].text or "")

    # Another group's facilitator cannot make links for this group's members.
    other_gid, _other = await foyer.create_group(name="Other")
    intruder = await make_facilitator(foyer, other_gid)
    foyer.emu.send_text(intruder, "/groups")
    own = await foyer.last_message(intruder)
    qid = foyer.emu.press_button(intruder, own.message_id, f"fg:{gid}:pm:{row.partner_of}")
    await foyer.emu.wait_for_callback_answer(qid)
    async with foyer.rt.engine.connect() as conn:
        made = (
            await conn.execute(select(func.count()).where(invite.c.kind == "partner"))
        ).scalar_one()
    assert made == 1


async def test_partner_contact_registered_by_an_admin_invites_a_partner(foyer: Foyer) -> None:
    from bot.services import couples

    gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code, show_name=True)
    contact_code = await couples.create_contact_invite(foyer.rt, gid)
    assert contact_code is not None
    contact = foyer.new_user(first_name="Fatoumata")
    foyer.emu.send_text(contact, f"/start {contact_code}")
    offer = await foyer.last_message(contact)
    assert "code of conduct" in offer.text
    await foyer.press(contact, offer, "I accept")
    assert "/partnerinvite" in (
        (await foyer.emu.wait_for_edit(contact, offer.message_id)).text or ""
    )

    foyer.emu.send_text(contact, "/partnerinvite")
    pick_group = await foyer.last_message(contact)
    await foyer.press(contact, pick_group, "Kati Men")
    pick_member = await foyer.emu.wait_for_edit(contact, pick_group.message_id)
    await foyer.press(contact, pick_member, "Amadou")
    link = await foyer.emu.wait_for_edit(contact, pick_group.message_id)
    found = LINK.search(link.text or "")
    assert found, link.text
    partner_code = found.group(1)
    before = [m.text for m in foyer.emu.messages(member)]
    await partner_joins(foyer, partner_code, language="English")
    assert [m.text for m in foyer.emu.messages(member)] == before

    # The used contact link cannot register anyone else; revoking ends the role.
    other = foyer.new_user()
    foyer.emu.send_text(other, f"/start {contact_code}")
    assert "does not work" in (await foyer.last_message(other)).text
    assert await couples.revoke_contact(foyer.rt, contact)
    foyer.emu.send_text(contact, "/partnerinvite")
    refused = await foyer.last_message(contact)
    assert "no group with couples exercises" in refused.text
    qid = foyer.emu.press_button(contact, pick_group.message_id, f"km:{gid}:1")
    await foyer.emu.wait_for_callback_answer(qid)
    async with foyer.rt.engine.connect() as conn:
        made = (
            await conn.execute(select(func.count()).where(invite.c.kind == "partner"))
        ).scalar_one()
    assert made == 1


async def test_partner_invite_command_refuses_members_and_strangers(foyer: Foyer) -> None:
    gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code)
    stranger = foyer.new_user()
    for uid in (member, stranger):
        foyer.emu.send_text(uid, "/partnerinvite")
        answer = (await foyer.last_message(uid)).text
        assert "Kati" not in answer
        foyer.emu.send_text(uid, "/start")
        anchor = await foyer.last_message(uid)
        qid = foyer.emu.press_button(uid, anchor.message_id, f"kg:{gid}")
        await foyer.emu.wait_for_callback_answer(qid)
    async with foyer.rt.engine.connect() as conn:
        made = (await conn.execute(select(func.count()).select_from(invite))).scalar_one()
    assert made == 1  # only the group's own member invite
