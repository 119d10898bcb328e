"""/concern: routed to the safeguarding focal points only (never to the group's facilitator),
acknowledged with a reference and the response time, marked received/closed and answered by a
focal point without learning who an anonymous reporter is, purged after the retention period.
Only people in the programme may raise one, a few a day; the focal points hear of new ones in
one message every few minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.services import privacy
from bot.services.concerns import NOTIFY_EVERY
from bot.storage.tables import concern, membership, metadata, outbox, person, staff
from tests.conftest import T0, Foyer, msg_buttons
from tests.test_safety_help import FOCAL, ask, focal_ready, start_foyer

FACILITATOR = 9100
FOCAL_FACILITATOR = 9200  # a facilitator of the group who is also a focal point


@pytest.fixture
async def cfoyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    ids = frozenset({FOCAL, FOCAL_FACILITATOR})
    async for f in start_foyer(emu, db_url, clock, safeguarding_ids=ids):
        yield f


async def add_facilitator(f: Foyer, gid: int, telegram_id: int) -> None:
    """A facilitator of the group, the way the facilitators' feature records one."""
    await focal_ready(f, telegram_id)
    async with f.rt.engine.begin() as conn:
        result = await conn.execute(
            person.insert().values(
                telegram_id=telegram_id,
                language="en",
                discreet=False,
                silent=False,
                blocked=False,
                created_at=T0,
            )
        )
        assert result.inserted_primary_key is not None
        pid = result.inserted_primary_key[0]
        await conn.execute(
            membership.insert().values(
                person_id=pid,
                group_id=gid,
                role="facilitator",
                status="active",
                progress_opt_in=False,
                number=99,
                joined_at=T0,
            )
        )
        await conn.execute(
            staff.insert().values(
                person_id=pid, role="facilitator", accepted_conduct_at=T0, created_at=T0
            )
        )
        facilitation = metadata.tables.get("facilitation")
        if facilitation is not None:
            await conn.execute(
                facilitation.insert().values(group_id=gid, person_id=pid, created_at=T0)
            )


async def raise_concern(
    f: Foyer,
    uid: int,
    text: str,
    *,
    kind: str = "Complaint",
    about: str = "A facilitator",
    anonymous: bool = True,
) -> Any:
    msg = await ask(f, uid, "/concern")
    assert "never to your group's facilitator" in msg.text
    await f.press(uid, msg, kind)
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    await f.press(uid, msg, about)
    msg = await f.emu.wait_for_edit(uid, msg.message_id)
    await f.press(uid, msg, "Stay anonymous" if anonymous else "Give my name")
    await f.emu.wait_for_edit(uid, msg.message_id)
    return await ask(f, uid, text)


async def opened(f: Foyer, focal: int, reference: str) -> Any:
    """What a focal point sees: once the window ends, the message that counts the new concerns;
    then the concern itself, opened from it."""
    await f.settle_after(NOTIFY_EVERY)
    counted = await f.emu.wait_for_message(focal, lambda m: reference in (m.text or ""))
    await f.press(focal, counted, f"Open {reference}")
    return await f.emu.wait_for_message(
        focal, lambda m: f"Concern {reference}" in (m.text or "") and bool(m.reply_markup)
    )


async def concerns_in_db(f: Foyer) -> list[Any]:
    async with f.rt.engine.connect() as conn:
        return list((await conn.execute(select(concern))).all())


async def test_concern_reaches_focal_points_never_the_facilitator(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    gid, code = await f.create_group()
    await add_facilitator(f, gid, FACILITATOR)
    await add_facilitator(f, gid, FOCAL_FACILITATOR)
    uid = await f.join(code)

    ack = await raise_concern(f, uid, "The facilitator shouted at Moussa & laughed <b>")
    (row,) = await concerns_in_db(f)
    assert row.kind == "complaint" and row.about == "facilitator" and row.anonymous
    assert row.status == "open" and row.group_id == gid
    assert row.text == "The facilitator shouted at Moussa & laughed <b>"
    assert row.purge_after == row.created_at + timedelta(days=180)
    assert row.reference in ack.text and "within 7 days" in ack.text

    note = await opened(f, FOCAL, row.reference)
    assert note.text is not None and note.source is not None
    assert "Moussa &amp; laughed &lt;b&gt;" in note.source  # escaped, shown as typed
    assert "Moussa & laughed <b>" in note.text
    assert "Anonymous" in note.text and str(uid) not in note.source
    assert note.protect_content
    assert [b[0] for r in msg_buttons(note) for b in r] == [
        "Mark received",
        "Close",
        "Answer the reporter",
    ]
    # The facilitator who is also a focal point receives it; the other facilitator never does.
    await f.emu.wait_for_message(FOCAL_FACILITATOR, lambda m: row.reference in (m.text or ""))
    assert not [m for m in f.emu.all_messages(FACILITATOR) if row.reference in (m.text or "")]
    async with f.rt.engine.connect() as conn:
        to_facilitator = (
            await conn.execute(select(outbox).where(outbox.c.chat_id == FACILITATOR))
        ).all()
    assert to_facilitator == []


async def test_focal_point_marks_and_answers_without_learning_who(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    _gid, code = await f.create_group()
    uid = await f.join(code)
    await raise_concern(f, uid, "Someone in the group threatens his wife", about="A member")
    (row,) = await concerns_in_db(f)
    note = await opened(f, FOCAL, row.reference)

    await f.press(FOCAL, note, "Mark received")
    confirm = await f.last_message(FOCAL)
    assert "marked received" in confirm.text
    await f.settle()
    told = await f.emu.wait_for_message(uid, lambda m: "has been received" in (m.text or ""))
    assert row.reference in (told.text or "")
    # Pressing again changes nothing and says so.
    qid = f.emu.press_button(FOCAL, note.message_id, f"zf:r:{row.id}")
    assert (await f.emu.wait_for_callback_answer(qid))["text"].startswith("Nothing changed")

    await f.press(FOCAL, note, "Answer the reporter")
    prompt = await f.last_message(FOCAL)
    assert "does not see who you are" in prompt.text
    sent = await ask(f, FOCAL, "Thank you. We will visit the group this week.")
    assert f"reporter of {row.reference}" in sent.text and str(uid) not in sent.text
    answer = await f.emu.wait_for_message(uid, lambda m: "An answer" in (m.text or ""))
    assert answer.text is not None
    assert "We will visit the group this week." in answer.text and "Fatou" not in answer.text
    assert answer.protect_content

    await f.press(FOCAL, note, "Close")
    await f.last_message(FOCAL)
    await f.settle()
    closed = await f.emu.wait_for_message(uid, lambda m: "now closed" in (m.text or ""))
    assert row.reference in (closed.text or "")
    (row,) = await concerns_in_db(f)
    assert row.status == "closed"
    # The focal point's answer was relayed, never stored.
    async with f.rt.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for r in (await conn.execute(select(table))).all():
                assert "visit the group" not in repr(tuple(r))


async def test_a_named_concern_shows_who_and_only_focal_points_may_act(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    _gid, code = await f.create_group()
    uid = await f.join(code, show_name=True)
    await raise_concern(
        f,
        uid,
        "Please add a session on fatherhood",
        kind="Feedback",
        about="The programme",
        anonymous=False,
    )
    (row,) = await concerns_in_db(f)
    assert row.kind == "feedback" and not row.anonymous
    note = await opened(f, FOCAL, row.reference)
    assert note.text is not None and note.source is not None
    assert f"tg://user?id={uid}" in note.source and "Amadou" in note.text

    # A member pressing a forged focal-point button: refused, nothing changes.
    last = f.emu.messages(uid)[-1]
    qid = f.emu.press_button(uid, last.message_id, f"zf:c:{row.id}")
    assert (await f.emu.wait_for_callback_answer(qid))["text"] == "This button no longer works."
    (row,) = await concerns_in_db(f)
    assert row.status == "open"


async def test_concern_dialogue_edge_cases(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    gid, code = await f.create_group()
    uid = await f.join(code)
    msg = await ask(f, uid, "/concern")
    await f.press(uid, msg, "Cancel")
    said = await f.emu.wait_for_edit(uid, msg.message_id)
    assert "Nothing was sent or kept" in (said.text or "")
    f.emu.send_voice(uid)
    await f.last_message(uid)

    reply = await raise_concern(f, uid, "x" * 3500)
    assert "too long" in reply.text
    assert await concerns_in_db(f) == []
    f.emu.send_voice(uid)
    reply = await f.last_message(uid)
    assert "as a text message" in reply.text
    reply = await ask(f, uid, "He beats his wife, everyone knows")
    assert "Your reference" in reply.text
    # Distress words inside a concern: the concern is sent, then the gentle question.
    question = await f.last_message(uid)
    assert "Did I understand you?" in question.text
    (row,) = await concerns_in_db(f)
    assert row.group_id == gid and row.reporter_id is not None


async def test_no_focal_points_means_no_concerns(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock
) -> None:
    async for f in start_foyer(emu, db_url, clock, safeguarding_ids=frozenset()):
        uid = f.new_user()
        msg = await ask(f, uid, "/concern")
        assert "has not named a safeguarding contact" in msg.text
        assert msg_buttons(msg) == []
        assert await concerns_in_db(f) == []


async def test_concerns_are_purged_after_the_retention_period(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    _gid, code = await f.create_group()
    uid = await f.join(code)
    await raise_concern(f, uid, "first concern")
    await f.settle()
    f.clock.advance(timedelta(days=10))
    await raise_concern(f, uid, "second concern")
    await f.settle()

    f.clock.advance(timedelta(days=170) - timedelta(minutes=1))  # day 180 of the first, minus 1'
    await privacy.retention(f.rt)
    assert [r.text for r in await concerns_in_db(f)] == ["first concern", "second concern"]
    f.clock.advance(timedelta(minutes=2))
    await privacy.retention(f.rt)
    assert [r.text for r in await concerns_in_db(f)] == ["second concern"]
    f.clock.advance(timedelta(days=10))
    await privacy.retention(f.rt)
    assert await concerns_in_db(f) == []
    async with f.rt.engine.connect() as conn:  # their notifications went with them
        rows = (await conn.execute(select(outbox.c.kind, outbox.c.ref))).all()
    assert not {"concern_new", "concern_status"} & {kind for kind, _ref in rows}
    # What is left says only that new concerns were counted at some moment, never which.
    assert [kind for kind, ref in rows if "C-" in (ref or "")] == []


# --- who may raise one, how often, and how the team hears of them ---------------------------


async def test_a_stranger_cannot_raise_a_concern_and_reaches_the_team_once(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    stranger = f.new_user()  # in no group, never invited
    refused = await ask(f, stranger, "/concern")
    assert "people taking part in the programme" in refused.text
    assert "Emergency" in refused.text  # where help is, right there
    assert msg_buttons(refused) == []
    # Pressing the dialogue's last step without its first ones changes nothing either.
    f.emu.press_button(stranger, refused.message_id, "zc:cf1")
    again = await f.last_message(stranger)
    assert "people taking part in the programme" in again.text
    reply = await ask(f, stranger, "The facilitator is a thief")
    assert "Your reference" not in (reply.text or "")
    assert await concerns_in_db(f) == []

    # "Talk to a person" stays open to anyone (a partner outside the programme may need it),
    # but a stranger's forged presses reach the team once.
    qid = f.emu.press_button(stranger, refused.message_id, "zh:y")
    await f.emu.wait_for_callback_answer(qid)
    told = await f.emu.wait_for_edit(stranger, refused.message_id)
    assert "has been told that you want to talk" in (told.text or "")
    earlier = {m.message_id for m in f.emu.messages(stranger)} - {refused.message_id}
    for _ in range(9):
        qid = f.emu.press_button(stranger, refused.message_id, "zh:y")
        await f.emu.wait_for_callback_answer(qid)
    await f.emu.wait_idle()
    # (an edit to the same text is refused by Telegram, so some come as new messages)
    after = [m for m in f.emu.messages(stranger) if m.message_id not in earlier]
    assert after and all("already knows that you want to talk" in (m.text or "") for m in after)
    await f.settle()
    asked = [m for m in f.emu.messages(FOCAL) if "asked to talk" in (m.text or "")]
    assert len(asked) == 1


async def test_three_concerns_a_day_and_the_team_hears_of_them_at_once(cfoyer: Foyer) -> None:
    f = cfoyer
    await focal_ready(f)
    _gid, code = await f.create_group()
    uid = await f.join(code)
    for n in range(3):
        await raise_concern(f, uid, f"concern number {n}")
    rows = await concerns_in_db(f)
    assert len(rows) == 3

    refused = await ask(f, uid, "/concern")
    assert "You have sent 3 concerns today" in refused.text
    assert "in about 24 hours" in refused.text and "Emergency" in refused.text
    assert msg_buttons(refused) == []
    # A forged last step is refused too: no fourth concern through the back door.
    f.emu.press_button(uid, refused.message_id, "zc:cf1")
    assert "You have sent 3 concerns today" in (await f.last_message(uid)).text
    await ask(f, uid, "a fourth one")
    assert len(await concerns_in_db(f)) == 3

    await f.settle()  # nothing yet: the team hears once the window ends
    assert not [m for m in f.emu.messages(FOCAL) if "concern" in (m.text or "")]
    await f.settle_after(NOTIFY_EVERY)
    counted = await f.emu.wait_for_message(FOCAL, lambda m: "new concerns" in (m.text or ""))
    assert counted.text is not None and counted.text.startswith("3 new concerns")
    assert all(r.reference in counted.text for r in rows) and counted.protect_content
    assert [b[0] for r in msg_buttons(counted) for b in r] == [f"Open {r.reference}" for r in rows]
    assert [m for m in f.emu.messages(FOCAL) if "concern" in (m.text or "")] == [counted]
    await f.settle_after(NOTIFY_EVERY)  # and nothing more after it
    assert [m for m in f.emu.messages(FOCAL) if "concern" in (m.text or "")] == [counted]

    f.clock.advance(timedelta(days=1))  # a day after the first: another may be raised
    await raise_concern(f, uid, "concern number 3")
    assert len(await concerns_in_db(f)) == 4
