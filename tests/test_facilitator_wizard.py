"""/newgroup: the happy path and every wrong entry, through the emulator."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.services import facilitation as facilitation_service
from bot.storage.tables import facilitation, group
from tests.conftest import Foyer
from tests.facilitator_helpers import count, labels, make_facilitator, rows, tap


async def _to_timezone(f: Foyer, uid: int) -> object:
    f.emu.send_text(uid, "/newgroup")
    assert "What is the group's name?" in (await f.last_message(uid)).text
    f.emu.send_text(uid, "Kita <Men>")
    msg = await f.last_message(uid)
    assert "Tiny test curriculum" in labels(msg) and labels(msg)[-1] == "Cancel"
    msg = await tap(f, uid, msg, "Tiny test curriculum")
    msg = await tap(f, uid, msg, "Français")
    assert "Africa/Bamako" in labels(msg)
    return msg


async def test_wizard_happy_path(foyer: Foyer) -> None:
    uid = await make_facilitator(foyer, None)
    msg = await _to_timezone(foyer, uid)
    msg = await tap(foyer, uid, msg, "Africa/Bamako")
    msg = await tap(foyer, uid, msg, "Thursday")
    msg = await tap(foyer, uid, msg, "17:00")
    msg = await tap(foyer, uid, msg, "Friday at 09:00")
    assert labels(msg)[:2] == ["Thu, Dec 3", "Thu, Dec 10"]  # as people read dates
    msg = await tap(foyer, uid, msg, "Thu, Dec 10")
    assert "Please check the new group" in msg.text
    assert "Name: Kita <Men>" in msg.text and "Meetings: every Thursday at 17:00" in msg.text
    assert "Weekly message: Friday at 09:00" in msg.text
    assert await count(foyer, group) == 0  # nothing stored before the confirmation
    done = await tap(foyer, uid, msg, "Create the group")
    assert "is ready" in done.text and "https://t.me/foyer_test_bot?start=" in done.text
    got = await rows(
        foyer,
        select(group.c.name, group.c.language, group.c.timezone, group.c.meet_weekday,
               group.c.meet_time, group.c.deliver_weekday, group.c.deliver_time, group.c.starts_on),
    )  # fmt: skip
    assert got == [
        ("Kita <Men>", "fr", "Africa/Bamako", 3, "17:00", 4, "09:00", date(2026, 12, 10))
    ]
    assert await count(foyer, facilitation) == 1
    foyer.emu.send_text(uid, "/groups")
    assert "Kita &lt;Men&gt;" in (await foyer.last_message(uid)).source


async def test_wizard_wrong_entries_are_explained_and_change_nothing(foyer: Foyer) -> None:
    uid = await make_facilitator(foyer, None)
    await _to_timezone(foyer, uid)
    foyer.emu.send_text(uid, "Mars/Base")
    assert "is not a time zone I know" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "Bamako")
    assert "is not a time zone I know" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "America/Managua")  # a typed IANA name is fine
    days = await foyer.last_message(uid)
    foyer.emu.send_text(uid, "Thursday")  # the day needs a button
    assert "with one of the buttons" in (await foyer.last_message(uid)).text
    await foyer.press(uid, days, "Thursday")
    await foyer.emu.wait_for_edit(uid, days.message_id)
    for bad in ("25:00", "five", "17h"):
        foyer.emu.send_text(uid, bad)
        assert "Please send a time like 17:00" in (await foyer.last_message(uid)).text, bad
    foyer.emu.send_text(uid, "16:30")
    await foyer.last_message(uid)
    foyer.emu.send_text(uid, "someday 9")
    assert "like fri 09:00" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "sat 10:00")
    await foyer.last_message(uid)
    foyer.emu.send_text(uid, "2026-11-26")  # a Thursday, in the past
    assert "in the past" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "2026-12-04")
    assert "not a Thursday" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "03/12/2026")
    assert "like 2027-01-14" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "2026-12-03")
    summary = await foyer.last_message(uid)
    assert "Meetings: every Thursday at 16:30" in summary.text
    assert "Weekly message: Saturday at 10:00" in summary.text
    done = await tap(foyer, uid, summary, "Cancel")
    assert "No group was created" in done.text
    assert await count(foyer, group) == 0


async def test_wizard_cancel_midway_and_strangers(foyer: Foyer) -> None:
    uid = await make_facilitator(foyer, None)
    foyer.emu.send_text(uid, "/newgroup")
    await foyer.last_message(uid)
    foyer.emu.send_text(uid, "Somewhere")
    await foyer.last_message(uid)
    foyer.emu.send_text(uid, "/cancel")
    assert "No group was created" in (await foyer.last_message(uid)).text
    foyer.emu.send_text(uid, "Just text")  # the wizard is over: a normal answer
    assert "What is the group's name" not in (await foyer.last_message(uid)).text
    stranger = foyer.new_user()
    foyer.emu.send_text(stranger, "/newgroup")
    assert "only for" in (await foyer.last_message(stranger)).text
    assert await count(foyer, group) == 0


async def test_wizard_dates_read_as_people_read_them_in_their_language(foyer: Foyer) -> None:
    """A French facilitator's date buttons: "jeu. 3 déc.", not 2026-12-03."""
    from tests.conftest import msg_buttons

    uid = foyer.new_user(language_code="fr")
    code = await facilitation_service.create_invite(foyer.rt, None)
    foyer.emu.send_text(uid, f"/start {code}")
    msg = await foyer.last_message(uid)
    await tap(foyer, uid, msg, msg_buttons(msg)[0][0][1])  # J'accepte
    foyer.emu.send_text(uid, "/newgroup")
    await foyer.last_message(uid)
    foyer.emu.send_text(uid, "Kati")
    msg = await foyer.last_message(uid)
    for data in ("nw:cur:tiny-4", "nw:lg:fr", "nw:tz:Africa/Bamako", "nw:day:3", "nw:mt:1700"):
        msg = await tap(foyer, uid, msg, data)
    msg = await tap(foyer, uid, msg, "nw:dl:next")
    assert labels(msg)[:2] == ["jeu. 3 déc.", "jeu. 10 déc."]
    summary = await tap(foyer, uid, msg, "jeu. 10 déc.")
    assert "10 décembre" in summary.text
