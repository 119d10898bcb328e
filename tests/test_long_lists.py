"""Long lists a page at a time: a facilitator with 100 groups, a group with 100 members. Every
page is accepted by Telegram (the emulator checks the 4096 characters and the 64-byte button
data), Previous and Next walk through all of them, and a forged page answers like a stale
button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import build_application, running
from bot.emulator import BotAPIEmulator, Message
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.storage import memberships, people, staff
from tests.conftest import T0, Foyer, make_settings
from tests.facilitator_helpers import labels, make_facilitator, tap

ADMIN = 900777
NAV = ("« Previous", "Next »")
GROUPS = 100


def long_name(i: int, size: int) -> str:
    """A name as long as the column allows, with characters HTML must escape."""
    return (f"{i:03d} " + "Kati & Sikasso <men> " * 8)[:size]


@pytest.fixture
async def lf(emu: BotAPIEmulator, db_url: str) -> AsyncIterator[Foyer]:
    clock = OffsetClock(T0)
    app = build_application(make_settings(emu, db_url, admin_ids=frozenset({ADMIN})), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


def check_page(msg: Message) -> None:
    assert msg.text is not None and len(msg.text) <= 4096
    for _label, data in msg.buttons:
        assert data is not None and len(data.encode()) <= 64
    assert len(msg.buttons) <= 12


async def walk(f: Foyer, uid: int, first: Message) -> list[Message]:
    """Every page, from the first, by Next; then back by Previous, checking each is the same."""
    pages = [first]
    check_page(first)
    while "Next »" in labels(pages[-1]):
        pages.append(await tap(f, uid, pages[-1], "Next »"))
        check_page(pages[-1])
    if len(pages) > 1:
        back = await tap(f, uid, pages[-1], "« Previous")
        assert back.text == pages[-2].text and labels(back) == labels(pages[-2])
        pages[-1] = await tap(f, uid, back, "Next »")
    return pages


def items(pages: list[Message], skip: tuple[str, ...] = ()) -> list[str]:
    return [label for p in pages for label in labels(p) if label not in (*NAV, *skip)]


async def forged(f: Foyer, uid: int, msg: Message, data: str) -> str:
    before = f.emu.message(uid, msg.message_id).revision
    qid = f.emu.press_button(uid, msg.message_id, data)
    answer: dict[str, Any] = await f.emu.wait_for_callback_answer(qid)
    assert f.emu.message(uid, msg.message_id).revision == before  # nothing changed
    return str(answer.get("text"))


async def test_a_hundred_groups_page_by_page(lf: Foyer) -> None:
    f = lf
    gids = [
        (await f.create_group(name=long_name(i, 120), couples_weeks="2"))[0] for i in range(GROUPS)
    ]
    fac = await make_facilitator(f, gids[0], uid=ADMIN)
    async with f.rt.engine.begin() as conn:  # the same facilitator runs all of them
        me = await people.by_telegram_id(conn, fac)
        assert me is not None
        for gid in gids[1:]:
            await staff.add_facilitation(conn, gid, me.id, f.clock.now())
    buttons = [long_name(i, 40) for i in range(GROUPS)]

    f.emu.send_text(fac, "/groups")
    pages = await walk(f, fac, await f.last_message(fac))
    assert items(pages) == buttons
    assert len(pages) > 2 and f"Page 2 of {len(pages)}" in (pages[1].text or "")
    assert "Kati & Sikasso <men>" in (pages[1].text or "")  # escaped, shown as typed
    stale = "This button no longer works."
    assert await forged(f, fac, pages[-1], "pg:g:999") == stale
    assert await forged(f, fac, pages[-1], f"pg:g:{len(pages)}") == stale
    assert await forged(f, fac, pages[-1], "pg:g:1:5") == stale
    menu = await tap(f, fac, pages[-1], buttons[-1])  # a group on the last page still opens
    assert "Invite link" in labels(menu)

    # Choosing the group of /broadcast, /partnerinvite and /newfacilitator pages the same way.
    f.emu.send_text(fac, "/broadcast")
    pages = await walk(f, fac, await f.last_message(fac))
    assert items(pages) == buttons
    assert await forged(f, fac, pages[0], "pg:b:999") == stale
    chosen = await tap(f, fac, pages[-1], buttons[-1])
    assert "voice note" in (chosen.text or "")
    f.emu.send_text(fac, "/cancel")
    await f.last_message(fac)

    f.emu.send_text(fac, "/partnerinvite")
    pages = await walk(f, fac, await f.last_message(fac))
    assert items(pages) == buttons

    f.emu.send_text(fac, "/newfacilitator")
    pages = await walk(f, fac, await f.last_message(fac))
    assert items(pages, skip=("No group yet",)) == [
        f"{gid}. {long_name(i, 120)}"[:60] for i, gid in enumerate(gids)
    ]
    assert all("No group yet" in labels(p) for p in pages)

    # Someone else pressing a page button learns nothing.
    other = f.new_user()
    f.emu.send_text(other, "/start")
    hello = await f.last_message(other)
    qid = f.emu.press_button(other, hello.message_id, "pg:g:1")
    assert "only for the group's facilitators" in str(
        (await f.emu.wait_for_callback_answer(qid)).get("text")
    )


async def test_a_hundred_members_page_by_page(lf: Foyer) -> None:
    f = lf
    gid, _code = await f.create_group(couples_weeks="2")
    other_gid, _other = await f.create_group(name="Other")
    async with f.rt.engine.begin() as conn:  # members as they would be after joining
        for i in range(GROUPS):
            p = await people.get_or_create(
                conn, telegram_id=700000 + i, language="en", first_name=long_name(i, 64),
                now=f.clock.now(),
            )  # fmt: skip
            await memberships.enroll(
                conn, person_id=p.id, group_id=gid, role="member", progress_opt_in=False,
                now=f.clock.now(),
            )  # fmt: skip
    names = [long_name(i, 64) for i in range(GROUPS)]
    fac = await make_facilitator(f, gid)
    f.emu.send_text(fac, "/groups")
    menu = await tap(f, fac, await f.last_message(fac), "Kati Men")

    pages = await walk(f, fac, await tap(f, fac, menu, "Members"))
    assert items(pages, skip=("Back",)) == [f"Remove {n}"[:60] for n in names]
    assert "100 members:" in (pages[0].text or "") and names[-1] in (pages[-1].text or "")
    stale = "This button no longer works."
    assert await forged(f, fac, pages[0], f"pg:m:99:{gid}") == stale
    refused = await forged(f, fac, pages[0], f"pg:m:0:{other_gid}")
    assert "only for the group's facilitators" in refused
    ask = await tap(f, fac, pages[-1], f"Remove {names[-1]}"[:60])
    assert "neutral message" in (ask.text or "")

    f.emu.send_text(fac, "/groups")
    menu = await tap(f, fac, await f.last_message(fac), "Kati Men")
    pages = await walk(f, fac, await tap(f, fac, menu, "Invite a member's partner"))
    assert items(pages, skip=("Back",)) == [n[:60] for n in names]

    f.emu.send_text(fac, "/partnerinvite")
    pick = await f.last_message(fac)
    pages = await walk(f, fac, await tap(f, fac, pick, "Kati Men"))
    assert items(pages) == [n[:60] for n in names]
    assert await forged(f, fac, pages[0], f"pg:t:99:{gid}") == stale
