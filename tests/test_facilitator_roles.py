"""Becoming a facilitator: invitations (CLI and Telegram), the code of conduct, revoking."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import build_application, running
from bot.domain.policy import Action, Actor, may, suppress
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.services import facilitation
from bot.storage.tables import facilitation as facilitation_table
from bot.storage.tables import invite, person, staff
from tests.conftest import T0, Foyer, make_settings
from tests.facilitator_helpers import count, make_facilitator, rows
from tests.test_settings_and_cli import foyer as foyer_cli

ROOT = Path(__file__).resolve().parent.parent
CURRICULA = Path(__file__).parent / "data" / "curricula"


def test_policy_table() -> None:
    admin = Actor(is_admin=True)
    fac = Actor(facilitator=True, groups=frozenset({1}))
    assert may(admin, Action.MANAGE_FACILITATORS) and not may(fac, Action.MANAGE_FACILITATORS)
    assert may(fac, Action.CREATE_GROUP) and not may(admin, Action.CREATE_GROUP)
    assert may(fac, Action.RUN_GROUP, 1) and not may(fac, Action.RUN_GROUP, 2)
    assert not may(Actor(groups=frozenset({1})), Action.RUN_GROUP, 1)  # revoked keeps nothing
    assert [suppress(n, 3) for n in (0, 1, 2, 3, 10)] == ["<3", "<3", "<3", "3", "10"]


async def test_invite_accept_becomes_facilitator_of_the_group(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    uid = await make_facilitator(foyer, gid)
    got = await rows(foyer, select(staff.c.role, staff.c.accepted_conduct_at.is_not(None)))
    assert got == [("facilitator", True)]
    assert await count(foyer, facilitation_table, facilitation_table.c.group_id == gid) == 1
    # No first name stored for a facilitator.
    assert await rows(foyer, select(person.c.first_name)) == [(None,)]
    foyer.emu.send_text(uid, "/groups")
    assert "Kati Men" in (await foyer.last_message(uid)).text


async def test_declined_used_and_expired_invitations_change_nothing(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    code = await facilitation.create_invite(foyer.rt, gid)
    uid = foyer.new_user()
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    await foyer.press(uid, msg, "No, thank you")
    await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert await count(foyer, staff) == 0 and await count(foyer, person) == 0

    # Used once: a second person with the same link gets a kind refusal.
    await make_facilitator(foyer, gid, uid=foyer.new_user())
    used = (await rows(foyer, select(invite.c.code).where(invite.c.used_at.is_not(None))))[0][0]
    other = foyer.new_user()
    foyer.emu.send_text(other, f"/start {used}")
    assert "does not work any more" in (await foyer.last_message(other)).text

    # Expired after 7 days.
    late = await facilitation.create_invite(foyer.rt, gid)
    foyer.clock.advance(timedelta(days=7, minutes=1))
    foyer.emu.send_text(other, f"/start {late}")
    assert "does not work any more" in (await foyer.last_message(other)).text
    assert await count(foyer, staff) == 1


async def test_accept_after_expiry_changes_nothing(foyer: Foyer) -> None:
    code = await facilitation.create_invite(foyer.rt, None)
    uid = foyer.new_user()
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    foyer.clock.advance(timedelta(days=8))
    await foyer.press(uid, msg, "I accept")
    edited = await foyer.emu.wait_for_edit(uid, msg.message_id)
    assert "does not work any more" in (edited.text or "")
    assert await count(foyer, staff) == 0


async def test_admin_invites_in_telegram_and_others_are_refused(
    emu: BotAPIEmulator, db_url: str
) -> None:
    admin = 900001
    app = build_application(
        make_settings(emu, db_url, admin_ids=frozenset({admin})), clock=OffsetClock(T0)
    )
    async with running(app, poll_timeout=1):
        f = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=OffsetClock(T0))
        gid, _ = await f.create_group()
        emu.user(admin, "Admin", language_code="en")
        emu.send_text(admin, f"/newfacilitator {gid}")
        msg = await emu.wait_for_message(admin)
        assert msg.text is not None
        assert "https://t.me/foyer_test_bot?start=" in msg.text
        code = msg.text.rsplit("start=", 1)[1].strip()
        uid = f.new_user()
        emu.send_text(uid, f"/start {code}")
        conduct = await emu.wait_for_message(uid)
        assert conduct.text is not None
        assert "Kati Men" in conduct.text and "Zero tolerance" in conduct.text
        await f.press(uid, conduct, "I accept")
        await emu.wait_for_edit(uid, conduct.message_id)
        assert await count(f, facilitation_table, facilitation_table.c.group_id == gid) == 1

        # A facilitator is not an admin: refused, and no invitation is created.
        before = await count(f, invite)
        emu.send_text(uid, f"/newfacilitator {gid}")
        assert "only for" in ((await emu.wait_for_message(uid)).text or "")
        emu.send_text(admin, "/newfacilitator")
        pick = await emu.wait_for_message(admin)
        assert pick.reply_markup is not None
        assert [row[0][0] for row in pick.reply_markup] == ["No group yet", f"{gid}. Kati Men"]
        assert await count(f, invite) == before


def test_cli_invite_list_revoke(tmp_path: Path) -> None:
    env = {
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
        "FOYER_CONTENT_DIR": str(CURRICULA),
    }
    assert foyer_cli("db", "upgrade", env=env).returncode == 0
    missing = foyer_cli("facilitator", "invite", "--group", "9", env=env)
    assert missing.returncode == 2 and "no group 9" in missing.stderr
    made = foyer_cli("facilitator", "invite", "--json", env=env)
    assert made.returncode == 0, made.stderr
    assert 16 <= len(json.loads(made.stdout)["invite_code"]) <= 64
    listed = foyer_cli("facilitator", "list", "--json", env=env)
    assert json.loads(listed.stdout) == []
    gone = foyer_cli("facilitator", "revoke", "12345", env=env)
    assert gone.returncode == 2 and "not an active facilitator" in gone.stderr
    for args in (
        ["facilitator"],
        ["facilitator", "invite"],
        ["facilitator", "list"],
        ["facilitator", "revoke"],
    ):
        assert foyer_cli(*args, "--help", env=env).returncode == 0


async def test_revoke_ends_every_facilitation(foyer: Foyer) -> None:
    gid, _ = await foyer.create_group()
    uid = await make_facilitator(foyer, gid)
    listed = await facilitation.list_facilitators(foyer.rt)
    assert [(r.staff.telegram_id, r.group_ids) for r in listed] == [(uid, [gid])]
    assert await facilitation.revoke(foyer.rt, uid)
    assert not await facilitation.revoke(foyer.rt, uid)
    assert await count(foyer, facilitation_table) == 0
    foyer.emu.send_text(uid, "/groups")
    assert "only for" in (await foyer.last_message(uid)).text
