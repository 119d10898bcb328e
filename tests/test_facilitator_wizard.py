"""/newgroup: the happy path and every wrong entry, through the emulator."""

from __future__ import annotations

from datetime import date
from typing import Any

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


async def _french_wizard_to_the_first_meeting(foyer: Foyer) -> tuple[int, Any]:
    """A French facilitator's /newgroup, answered up to the first meeting's date."""
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
    return uid, msg


async def test_wizard_dates_read_as_people_read_them_in_their_language(foyer: Foyer) -> None:
    """A French facilitator's date buttons: "jeu. 3 déc.", not 2026-12-03."""
    uid, msg = await _french_wizard_to_the_first_meeting(foyer)
    assert labels(msg)[:2] == ["jeu. 3 déc.", "jeu. 10 déc."]
    summary = await tap(foyer, uid, msg, "jeu. 10 déc.")
    assert "10 décembre" in summary.text


# ----- the region, set (or not) from the summary ------------------------------------------------


async def _to_summary(f: Foyer, uid: int) -> Any:
    msg = await _to_timezone(f, uid)
    for label in ("Africa/Bamako", "Thursday", "17:00", "Friday at 09:00", "Thu, Dec 10"):
        msg = await tap(f, uid, msg, label)
    return msg


async def _regions(f: Foyer) -> list[str | None]:
    return [r for (r,) in await rows(f, select(group.c.region))]


async def test_wizard_region_typed_from_the_summary_is_stored_with_the_group(
    foyer: Foyer,
) -> None:
    uid = await make_facilitator(foyer, None)
    summary = await _to_summary(foyer, uid)
    assert "Region: not set" in summary.text
    assert labels(summary) == ["Set the region", "Create the group", "Cancel"]
    question = await tap(foyer, uid, summary, "Set the region")
    assert "Which region is the group in?" in question.text
    assert labels(question) == ["No region", "Cancel"]
    foyer.emu.send_text(uid, "  Ségou   <Nord> ")
    summary = await foyer.last_message(uid)
    assert "Region: Ségou <Nord>" in summary.text  # tidied, and escaped as HTML
    assert "Name: Kita <Men>" in summary.text  # the other answers kept
    assert labels(summary) == ["Change the region", "Create the group", "Cancel"]
    assert await count(foyer, group) == 0  # still nothing stored
    done = await tap(foyer, uid, summary, "Create the group")
    assert "is ready" in done.text
    assert await _regions(foyer) == ["Ségou <Nord>"]
    foyer.emu.send_text(uid, "/groups")  # the group's settings show it too
    menu = await tap(foyer, uid, await foyer.last_message(uid), "Kita <Men>")
    settings = await tap(foyer, uid, menu, "Schedule and reminders")
    assert "Region: Ségou <Nord>" in settings.text


async def test_wizard_region_skipped_or_taken_back_is_none(foyer: Foyer) -> None:
    uid = await make_facilitator(foyer, None)
    summary = await _to_summary(foyer, uid)
    question = await tap(foyer, uid, summary, "Set the region")
    summary = await tap(foyer, uid, question, "No region")
    assert "Region: not set" in summary.text and "Set the region" in labels(summary)
    first_question = await tap(foyer, uid, summary, "Set the region")
    foyer.emu.send_text(uid, "Kayes")
    summary = await foyer.last_message(uid)
    assert "Region: Kayes" in summary.text
    await tap(foyer, uid, summary, "Change the region")
    foyer.emu.send_text(uid, "Nioro")
    assert "Region: Nioro" in (await foyer.last_message(uid)).text
    # A change of mind with the first question's button, still in the chat: none again.
    summary = await tap(foyer, uid, first_question, "No region")
    assert "Region: not set" in summary.text
    await tap(foyer, uid, summary, "Create the group")
    assert await _regions(foyer) == [None]


async def test_wizard_bad_region_is_explained_and_asked_again(foyer: Foyer) -> None:
    uid = await make_facilitator(foyer, None)
    summary = await _to_summary(foyer, uid)
    await tap(foyer, uid, summary, "Set the region")
    for bad in ("x" * 81, "Kayes\u200b"):  # too long; an invisible character
        foyer.emu.send_text(uid, bad)
        again = await foyer.last_message(uid)
        assert "plain text of at most 80 characters" in again.text, bad
        assert "Which region is the group in?" in again.text  # the question again
        assert labels(again) == ["No region", "Cancel"]
    foyer.emu.send_sticker(uid)  # what every typed question answers, and it still waits
    assert "Please type your answer" in (await foyer.last_message(uid)).text
    assert await count(foyer, group) == 0
    foyer.emu.send_text(uid, "Kayes")
    summary = await foyer.last_message(uid)
    assert "Region: Kayes" in summary.text
    await tap(foyer, uid, summary, "Create the group")
    assert await _regions(foyer) == ["Kayes"]


async def test_wizard_region_is_asked_in_the_facilitators_language(foyer: Foyer) -> None:
    uid, msg = await _french_wizard_to_the_first_meeting(foyer)
    summary = await tap(foyer, uid, msg, "jeu. 10 déc.")
    assert "Région\u00a0: non renseignée" in summary.text
    assert labels(summary) == ["Indiquer la région", "Créer le groupe", "Annuler"]
    question = await tap(foyer, uid, summary, "Indiquer la région")
    assert "Dans quelle région se trouve le groupe\u00a0?" in question.text
    foyer.emu.send_text(uid, "y" * 81)
    again = await foyer.last_message(uid)
    assert "texte simple de 80 caractères au plus" in again.text
    assert "Dans quelle région" in again.text and labels(again)[0] == "Pas de région"
    foyer.emu.send_text(uid, "Ségou")
    summary = await foyer.last_message(uid)
    assert "Région\u00a0: Ségou" in summary.text
    await tap(foyer, uid, summary, "Créer le groupe")
    assert await _regions(foyer) == ["Ségou"]
