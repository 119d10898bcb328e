"""Staff find their tools: a command menu of their own per role and language, /help that
lists their commands and shows the help resources of the country of their groups, and an
admin's /groups that sees every group. Through the real app and the emulator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import build_application, running
from bot.domain.buttons.group_actions import GroupMenu
from bot.domain.buttons.staff import InviteFacilitator
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.services import facilitation
from tests.conftest import Foyer, make_settings, msg_buttons
from tests.facilitator_helpers import labels, make_facilitator

ADMIN, FOCAL = 900_001, 900_002
FACILITATOR_COMMANDS = {"groups", "newgroup", "broadcast", "remind", "report", "export"}
MEMBER_COMMANDS = {"help", "progress", "pause", "resume", "language", "stop"}


async def start(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    settings = make_settings(
        emu, db_url, admin_ids=frozenset({ADMIN}), safeguarding_ids=frozenset({FOCAL})
    )
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


@pytest.fixture
async def staff_foyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    # Both opened a chat with Foyer before it started (Telegram lets a bot set a chat's menu
    # only then); the admin's Telegram is in French, the programme's default is English.
    emu.user(ADMIN, "Awa", language_code="fr")
    emu.user(FOCAL, "Mariam", language_code="en")
    for uid in (ADMIN, FOCAL):
        emu.send_text(uid, "/start")
    async for f in start(emu, db_url, clock):
        for uid in (ADMIN, FOCAL):  # answered before the test acts, so no answer is taken
            await f.last_message(uid)  # for the answer to the test's first command
        yield f


def names(menu: list[dict[str, Any]]) -> list[str]:
    return [c["command"] for c in menu]


async def menu_of(f: Foyer, uid: int, lang: str = "en", has: str = "groups") -> list[str]:
    """The menu a person sees, once the bot has set one holding ``has``."""

    def found() -> list[str] | None:
        menu = names(f.emu.menu_for(uid, lang))
        return menu if has in menu else None

    return await f.emu.wait_until(found, what=f"a menu with /{has} for {uid}")


async def accept_invitation(f: Foyer, group_id: int, uid: int) -> int:
    """A facilitator's invitation accepted in whatever language the person reads."""
    code = await facilitation.create_invite(f.rt, group_id)
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    await f.press(uid, msg, msg_buttons(msg)[0][0][1])  # I accept
    await f.emu.wait_for_edit(uid, msg.message_id)
    return uid


def registered_private_commands(f: Foyer) -> set[str]:
    from telegram.ext import CommandHandler, ConversationHandler

    found: set[str] = set()
    for handlers in f.app.handlers.values():
        for h in handlers:
            inner = h.entry_points if isinstance(h, ConversationHandler) else [h]
            for c in inner:
                if isinstance(c, CommandHandler):
                    found |= set(c.commands)
    return found


async def test_each_role_gets_its_own_menu_and_members_keep_the_default(
    staff_foyer: Foyer, emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    f = staff_foyer
    gid, code = await f.create_group()
    member = await f.join(code)
    # Members: the default menu, nothing of staff.
    assert set(names(emu.menu_for(member, "en"))) == MEMBER_COMMANDS
    assert emu.commands({"type": "chat", "chat_id": member}) == []
    # The admin (set at start, in the default language), with /newfacilitator and /groups.
    admin = await menu_of(f, ADMIN, "fr", "newfacilitator")
    assert admin[0] == "help" and {"newfacilitator", "groups", "programme"} <= set(admin)
    assert MEMBER_COMMANDS <= set(admin)
    # The focal point keeps the members' commands and /programme (help and concerns counts),
    # /help says how concerns reach them.
    focal = emu.commands({"type": "chat", "chat_id": FOCAL})
    assert {c["command"] for c in focal} == MEMBER_COMMANDS | {"programme"}
    assert "concerns" in next(c["description"] for c in focal if c["command"] == "help")
    # A facilitator gets theirs as soon as they accept the code of conduct.
    fac = await make_facilitator(f, gid)
    menu = await menu_of(f, fac)
    assert FACILITATOR_COMMANDS | {"partnerinvite", "cancel"} | MEMBER_COMMANDS == set(menu)
    assert "newfacilitator" not in menu
    # Every command in any menu is one the bot answers.
    for uid in (ADMIN, FOCAL, fac, member):
        assert set(names(emu.menu_for(uid))) <= registered_private_commands(f)
    # In their language: a French facilitator reads French descriptions.
    fr = await accept_invitation(f, gid, f.new_user(language_code="fr"))
    described = await f.emu.wait_until(
        lambda: {c["command"]: c["description"] for c in emu.menu_for(fr, "fr")}.get("newgroup"),
        what="the French menu",
    )
    assert described == "Créer un nouveau groupe"


async def test_a_revoked_facilitator_loses_the_menu_at_the_next_start(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    async for f in start(emu, db_url, clock):
        gid, _code = await f.create_group()
        fac = await make_facilitator(f, gid)
        assert "groups" in await menu_of(f, fac)
        assert await facilitation.revoke(f.rt, fac)
    async for _f in start(emu, db_url, clock):
        await emu.wait_until(
            lambda: not emu.commands({"type": "chat", "chat_id": fac}), what="menu removed"
        )
        assert set(names(emu.menu_for(fac))) == MEMBER_COMMANDS


async def test_help_lists_the_commands_of_each_role(staff_foyer: Foyer) -> None:
    f = staff_foyer
    gid, code = await f.create_group()
    fac = await make_facilitator(f, gid)
    f.emu.send_text(fac, "/help")
    text = (await f.last_message(fac)).text
    for command in FACILITATOR_COMMANDS:
        assert f"/{command}:" in text, command
    assert "/newfacilitator" not in text and "/concern:" in text  # members' commands stay
    f.emu.send_text(ADMIN, "/help")
    text = (await f.last_message(ADMIN)).text
    assert "/newfacilitator:" in text and "/groups:" in text and "/broadcast" not in text
    f.emu.send_text(FOCAL, "/help")
    text = (await f.last_message(FOCAL)).text
    assert "focal point" in text and "/newgroup" not in text
    member = await f.join(code)
    f.emu.send_text(member, "/help")
    text = (await f.last_message(member)).text
    assert "/groups" not in text and "As a" not in text


async def test_a_facilitator_gets_the_help_of_the_country_of_their_groups(
    foyer: Foyer,
) -> None:
    gid, code = await foyer.create_group()  # Bamako: Mali's numbers
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    for uid in (member, fac):
        foyer.emu.send_text(uid, "/help")
        text = (await foyer.last_message(uid)).text
        assert "Police: 17" in text and "SAMU" in text, uid


async def test_an_admins_groups_shows_every_group_read_only_where_not_facilitated(
    staff_foyer: Foyer,
) -> None:
    f = staff_foyer
    kati, _c = await f.create_group(name="Kati Men")
    segou, _c = await f.create_group(name="Segou Men")
    f.emu.send_text(ADMIN, "/groups")
    msg = await f.last_message(ADMIN)
    assert "Sorry" not in msg.text
    assert f"{kati}. Kati Men" in msg.text and f"{segou}. Segou Men" in msg.text
    data = [d for row in msg_buttons(msg) for _label, d in row]
    # Read-only: no group menu, only the admin's own action for each group.
    assert GroupMenu(kati).pack() not in data
    assert InviteFacilitator(kati).pack() in data and InviteFacilitator(segou).pack() in data
    await f.press(ADMIN, msg, InviteFacilitator(segou).pack())
    invite = await f.last_message(ADMIN)
    assert re.search(r"https://t\.me/\w+\?start=", invite.text)
    # An admin who also facilitates a group gets its menu.
    await accept_invitation(f, kati, ADMIN)
    f.emu.send_text(ADMIN, "/groups")
    msg = await f.last_message(ADMIN)
    assert "Kati Men" in labels(msg)
    assert InviteFacilitator(segou).pack() in [d for row in msg_buttons(msg) for _label, d in row]


def test_the_facilitators_guide_lists_exactly_the_staff_commands_the_bot_answers(
    foyer: Foyer,
) -> None:
    from pathlib import Path

    from bot.handlers import staff_menus

    guide = (Path(__file__).parent.parent / "docs" / "facilitators.md").read_text()
    # Every command in a table row of the guide: the first cell, `/name`.
    documented = set(re.findall(r"^\| `/([a-z]+)` \|", guide, flags=re.MULTILINE))
    every_role = staff_menus.Roles(facilitator=True, admin=True, focal=True)
    in_menus = {c.command for c in staff_menus.menu(every_role)} - MEMBER_COMMANDS
    assert in_menus <= documented, in_menus - documented
    assert documented <= registered_private_commands(foyer) | {"link", "help"}
    assert {"link", "help"} <= documented


async def test_foyer_facilitator_revoke_resets_the_menu_right_away(
    foyer: Foyer, emu: BotAPIEmulator, db_url: str
) -> None:
    import asyncio

    from tests.test_settings_and_cli import foyer as run_cli

    gid, _code = await foyer.create_group()
    fac = await make_facilitator(foyer, gid)
    assert "groups" in await menu_of(foyer, fac)
    env = {
        "FOYER_DATABASE_URL": db_url,
        "FOYER_BOT_TOKEN": emu.token,
        "FOYER_BOT_API_URL": emu.base_url.removesuffix("/bot"),
    }
    # In a thread: the emulator answers the command's Bot API calls on this event loop.
    done = await asyncio.to_thread(run_cli, "facilitator", "revoke", str(fac), env=env)
    assert done.returncode == 0, done.stderr
    assert "no longer a facilitator" in done.stdout and "next starts" not in done.stdout
    assert emu.commands({"type": "chat", "chat_id": fac}) == []
    assert set(names(emu.menu_for(fac))) == MEMBER_COMMANDS
    # Without a way to Telegram, it says when the menu will change.
    fac2 = await make_facilitator(foyer, gid)
    assert "groups" in await menu_of(foyer, fac2)
    offline = {**env, "FOYER_BOT_TOKEN": ""}
    done = await asyncio.to_thread(run_cli, "facilitator", "revoke", str(fac2), env=offline)
    assert done.returncode == 0 and "when the bot next starts" in done.stdout
