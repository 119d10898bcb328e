"""An admin ends a facilitator's or a recorder's role in Telegram (/staff): the lists, a page at
a time, the confirmation, Cancel, and every button that must change nothing (stale, forged,
pressed by someone who is not, or no longer, an admin). Through the real app and the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_application, running
from bot.domain.buttons.pages import StaffFacilitatorsPage
from bot.domain.buttons.staff import EndRole
from bot.emulator import BotAPIEmulator
from bot.handlers import staff_menus
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.services import facilitation, recorders
from bot.storage import people, staff
from bot.storage.tables import facilitation as facilitation_table
from bot.storage.tables import group, membership
from bot.storage.tables import staff as staff_table
from tests.conftest import Foyer, make_settings
from tests.facilitator_helpers import count, labels, make_facilitator, rows, tap
from tests.test_recording_library import make_recorder
from tests.test_staff_commands import MEMBER_COMMANDS, names

ADMIN = 900_301
REFUSED = "Sorry, this is only for the group's facilitators."


async def start(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock, admins: frozenset[int]
) -> AsyncIterator[Foyer]:
    app = build_application(make_settings(emu, db_url, admin_ids=admins), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


@pytest.fixture
async def f(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    emu.user(ADMIN, "Awa", language_code="en")
    async for foyer in start(emu, db_url, clock, frozenset({ADMIN})):
        yield foyer


async def open_list(f: Foyer, which: str) -> Any:
    """/staff, then the Facilitators or Recorders button: the list's first page."""
    f.emu.send_text(ADMIN, "/staff")
    overview = await f.last_message(ADMIN)
    label = next(label for label in labels(overview) if label.startswith(which))
    return await tap(f, ADMIN, overview, label)


async def press_data(f: Foyer, uid: int, msg: Any, data: str) -> dict[str, Any]:
    """Press a button by its data (maybe forged or stale); the answer, with the message
    unchanged."""
    before = f.emu.message(uid, msg.message_id).revision
    qid = f.emu.press_button(uid, msg.message_id, data)
    answer: dict[str, Any] = await f.emu.wait_for_callback_answer(qid)
    assert f.emu.message(uid, msg.message_id).revision == before
    return answer


async def active(f: Foyer, role: str = "facilitator") -> list[int]:
    """The Telegram ids of the people whose role is active."""
    async with f.rt.engine.connect() as conn:
        return [r.telegram_id for r in await staff.list_all(conn, role) if r.active]


async def test_an_admin_ends_a_facilitators_role_and_the_group_keeps_running(f: Foyer) -> None:
    gid, code = await f.create_group()
    await f.join(code)
    fac = await make_facilitator(f, gid)
    other = await make_facilitator(f, None, uid=f.new_user(first_name="Issa"))
    f.emu.send_text(ADMIN, "/staff")
    overview = await f.last_message(ADMIN)
    assert labels(overview) == ["Facilitators (2)", "Recorders (0)"]
    page = await tap(f, ADMIN, overview, "Facilitators (2)")
    assert f"Fatou ({fac}): Kati Men" in page.text and f"Issa ({other}): no group" in page.text
    assert labels(page) == [f"End the role of Fatou ({fac})", f"End the role of Issa ({other})"]

    ask = await tap(f, ADMIN, page, f"End the role of Fatou ({fac})")
    assert "Fatou" in ask.text and "Their groups: Kati Men." in ask.text
    assert "will no longer facilitate; their groups keep running and keep their members" in (
        ask.text
    )
    assert "Foyer does not tell them" in ask.text
    assert labels(ask) == ["Yes, end the role", "Cancel"]
    told_before = len(f.emu.messages(fac))
    done = await tap(f, ADMIN, ask, "Yes, end the role")
    assert f"Done: Fatou ({fac}) no longer facilitates" in done.text and labels(done) == []

    # Ended as the command line ends it; the group, its member and the other one are untouched.
    assert await active(f) == [other]
    assert await count(f, facilitation_table) == 0
    assert await rows(f, select(group.c.name)) == [("Kati Men",)]
    assert await count(f, membership, membership.c.left_at.is_(None)) == 1
    # His menu is a member's at once, his next staff command is refused, and Foyer told him
    # nothing.
    await f.emu.wait_until(
        lambda: not f.emu.commands({"type": "chat", "chat_id": fac}), what="menu removed"
    )
    assert set(names(f.emu.menu_for(fac))) == MEMBER_COMMANDS
    assert len(f.emu.messages(fac)) == told_before
    f.emu.send_text(fac, "/groups")
    assert (await f.last_message(fac)).text == REFUSED

    # The list as it is now; pressing Yes again, or the old list's button, changes nothing.
    assert await press_data(f, ADMIN, done, button_of(ask, "Yes, end the role")) == {
        "text": GONE_TEXT,
        "show_alert": True,
    }
    page = await open_list(f, "Facilitators")
    assert f"Fatou ({fac})" not in page.text and labels(page) == [f"End the role of Issa ({other})"]


GONE_TEXT = (
    "This person's role has already ended or changed since this button was shown: nothing was "
    "done. Send /staff for the list as it is now."
)


def button_of(msg: Any, label: str) -> str:
    return next(data for row in msg.reply_markup for lab, data in row if lab == label)


async def test_cancel_changes_nothing(f: Foyer) -> None:
    gid, _code = await f.create_group()
    fac = await make_facilitator(f, gid)
    page = await open_list(f, "Facilitators")
    ask = await tap(f, ADMIN, page, f"End the role of Fatou ({fac})")
    cancelled = await tap(f, ADMIN, ask, "Cancel")
    assert cancelled.text == "Good. Nothing has changed." and labels(cancelled) == []
    assert await active(f) == [fac]
    assert await count(f, facilitation_table) == 1


async def test_an_admin_ends_a_recorders_role_and_the_recordings_stay(f: Foyer) -> None:
    rec = await make_recorder(f, "bm", "fr")
    page = await open_list(f, "Recorders")
    assert f"Awa ({rec}): Français, Bamanankan" in page.text
    ask = await tap(f, ADMIN, page, f"End the role of Awa ({rec})")
    assert "will no longer record; the recordings stay." in ask.text
    done = await tap(f, ADMIN, ask, "Yes, end the role")
    assert f"Done: Awa ({rec}) no longer records. The recordings stay." in done.text
    assert await active(f, "recorder") == []
    await f.emu.wait_until(
        lambda: not f.emu.commands({"type": "chat", "chat_id": rec}), what="menu removed"
    )
    f.emu.send_text(rec, "/record")
    assert "only for the programme's recorders" in (await f.last_message(rec)).text


async def test_stale_and_forged_buttons_change_nothing(f: Foyer) -> None:
    gid, _code = await f.create_group()
    fac = await make_facilitator(f, gid)
    rec = await make_recorder(f, "bm")
    page = await open_list(f, "Facilitators")
    ask = await tap(f, ADMIN, page, f"End the role of Fatou ({fac})")
    yes = EndRole.unpack(button_of(ask, "Yes, end the role"))
    assert yes is not None
    gone = {"text": GONE_TEXT, "show_alert": True}
    async with f.rt.engine.connect() as conn:
        me = await people.by_telegram_id(conn, rec)
        assert me is not None
        rec_row = await staff.get(conn, me.id, "recorder")
        assert rec_row is not None
    forged = [
        EndRole("f", 987_654, yes.since, EndRole.YES),  # nobody
        EndRole("r", yes.staff_id, yes.since, EndRole.YES),  # a facilitator named a recorder
        EndRole("f", rec_row.id, yes.since, EndRole.YES),  # and the other way round
        EndRole("f", yes.staff_id, yes.since + 1, EndRole.YES),  # another moment
        EndRole("f", yes.staff_id, yes.since + 1, EndRole.ASK),
    ]
    for button in forged:
        assert await press_data(f, ADMIN, ask, button.pack()) == gone, button
    assert await press_data(f, ADMIN, page, StaffFacilitatorsPage(5).pack()) == {
        "text": "This button no longer works."
    }
    assert sorted([*await active(f), *await active(f, "recorder")]) == sorted([fac, rec])

    # Ended from the command line meanwhile, then invited again: the old confirmation is stale
    # and never ends the new role.
    assert await facilitation.revoke(f.rt, fac)
    assert await press_data(f, ADMIN, ask, yes.pack()) == gone
    f.clock.advance(timedelta(minutes=5))
    await make_facilitator(f, gid, uid=fac)
    assert await press_data(f, ADMIN, ask, yes.pack()) == gone
    assert await active(f) == [fac]
    assert await count(f, facilitation_table) == 1
    assert await recorders.revoke(f.rt, rec)


async def test_only_an_admin_may_see_the_staff_or_end_a_role(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    emu.user(ADMIN, "Awa", language_code="en")
    async for f in start(emu, db_url, clock, frozenset({ADMIN})):
        gid, code = await f.create_group()
        member = await f.join(code)
        fac = await make_facilitator(f, gid)
        other = await make_facilitator(f, None, uid=f.new_user(first_name="Issa"))
        page = await open_list(f, "Facilitators")
        ask = await tap(f, ADMIN, page, f"End the role of Fatou ({fac})")
        yes = button_of(ask, "Yes, end the role")
        stranger = f.new_user(first_name="Seydou")
        for uid in (member, other, stranger, fac):
            f.emu.send_text(uid, "/staff")
            anchor = await f.last_message(uid)
            assert anchor.text == REFUSED
            for data in (yes, StaffFacilitatorsPage(0).pack(), "pg:c:0"):
                answer = await press_data(f, uid, anchor, data)
                assert answer == {"text": REFUSED, "show_alert": True}, (uid, data)
        assert sorted(await active(f)) == sorted([fac, other])
    # Taken off FOYER_ADMIN_IDS (Foyer restarted with the new list): his old button is refused.
    async for f in start(emu, db_url, clock, frozenset()):
        answer = await press_data(f, ADMIN, ask, yes)
        assert answer == {"text": REFUSED, "show_alert": True}
        assert sorted(await active(f)) == sorted([fac, other])
        assert await count(f, staff_table, staff_table.c.revoked_at.is_not(None)) == 0


async def test_many_facilitators_a_page_at_a_time(f: Foyer) -> None:
    made = [await make_facilitator(f, None, uid=f.new_user(first_name=f"F{i}")) for i in range(11)]
    page = await open_list(f, "Facilitators")
    assert "Facilitators active now: 11" in page.text and "Page 1 of 2" in page.text
    first = [label for label in labels(page) if label.startswith("End")]
    nxt = await tap(f, ADMIN, page, "Next »")
    second = [label for label in labels(nxt) if label.startswith("End")]
    assert [*first, *second] == [f"End the role of F{i} ({uid})" for i, uid in enumerate(made)]
    ask = await tap(f, ADMIN, nxt, second[-1])
    await tap(f, ADMIN, ask, "Yes, end the role")
    assert await active(f) == made[:-1]


async def test_the_admins_help_and_menu_name_staff(f: Foyer) -> None:
    f.emu.send_text(ADMIN, "/help")
    helped = await f.emu.wait_for_message(ADMIN, lambda m: "As an admin" in (m.text or ""))
    assert "/staff: The facilitators and recorders active now; end someone's role" in (
        helped.text or ""
    )
    every = staff_menus.menu(staff_menus.Roles(admin=True))
    assert "staff" in [c.command for c in every]
    assert "staff" not in [c.command for c in staff_menus.menu(staff_menus.Roles(recorder=True))]
