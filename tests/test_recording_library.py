"""The audio library, recorded and approved in Telegram (issue 21, point 4): recorders invited
and accepted, /record (coverage, the text to read, a voice note kept as a draft, listen, redo,
submit), /review by a second person (approve, reject with a reason), replacing, and everyone
else refused. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.app import build_application, running
from bot.domain.audio import AudioItem, AudioKey
from bot.domain.buttons.recording import (
    DraftAction,
    RecordHome,
    RecordItem,
    RecordList,
    ReviewAction,
)
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.services import privacy, recorders, recordings
from bot.storage import people
from bot.storage import recordings as library
from bot.storage.tables import recording, staff
from tests.audio_samples import opus_bytes
from tests.conftest import Foyer, make_settings
from tests.facilitator_helpers import count, make_facilitator, rows
from tests.test_settings_and_cli import foyer as foyer_cli

ROOT = Path(__file__).resolve().parent.parent
CURRICULA = Path(__file__).parent / "data" / "curricula"
ADMIN = 900101
PROMPT_1 = AudioKey("tiny-4", 1, AudioItem.PROMPT, "bm")
PROMPT_LABEL = "🎙 Week 1: the week's message and challenge"


@pytest.fixture
async def f(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    app = build_application(make_settings(emu, db_url, admin_ids=frozenset({ADMIN})), clock=clock)
    async with running(app, poll_timeout=1):
        emu.user(ADMIN, "Admin", language_code="en")
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)


async def make_recorder(f: Foyer, *languages: str) -> int:
    """Walk the recorder's invitation as a person would: /start CODE, then I accept."""
    uid = f.new_user(first_name="Awa")
    code = await recorders.create_invite(f.rt, languages)
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    assert "code of conduct" in (msg.content or "")
    await f.press(uid, msg, "✅ I accept")
    done = await f.emu.wait_for_edit(uid, msg.message_id)
    assert "You now record the programme in" in (done.content or "")
    return uid


async def open_item(f: Foyer, uid: int, label: str = PROMPT_LABEL) -> Any:
    """/record, the curriculum in Bambara, then the item: the screen asking for a voice note."""
    f.emu.send_text(uid, "/record")
    home = await f.last_message(uid)
    await f.press(uid, home, "🎙 tiny-4 · Bamanankan")
    listed = await f.emu.wait_for_edit(uid, home.message_id)
    await f.press(uid, listed, label)
    return await f.emu.wait_for_edit(uid, home.message_id, lambda m: "voice note" in m.content)


async def record(f: Foyer, uid: int, seconds: int = 42, pitch: float = 220.0) -> Any:
    """Send a voice note at the item's screen; the draft's message with its buttons."""
    f.emu.send_voice(uid, seconds, data=opus_bytes(0.5, pitch))
    return await f.last_message(uid)


async def status_of(f: Foyer) -> list[tuple[str, int | None]]:
    return await rows(f, select(recording.c.status, recording.c.duration).order_by(recording.c.id))


async def person_id(f: Foyer, uid: int) -> int:
    async with f.rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, uid)
    assert p is not None
    return p.id


async def approved(f: Foyer, key: AudioKey = PROMPT_1) -> library.Recording | None:
    async with f.rt.engine.connect() as conn:
        return await library.approved(conn, key)


async def test_record_listen_redo_submit_then_another_recorder_approves(f: Foyer) -> None:
    r1 = await make_recorder(f, "bm")
    r2 = await make_recorder(f, "bm")
    assert {"record", "review"} <= {c["command"] for c in f.emu.menu_for(r1)}
    f.emu.send_text(r1, "/help")
    helped = await f.emu.wait_for_message(r1, lambda m: "As a recorder" in m.content)
    assert "/record: " in helped.content and "/review: " in helped.content

    f.emu.send_text(r1, "/record")
    home = await f.last_message(r1)
    total = len(recordings.keys_of(f.rt, "tiny-4", "bm"))
    assert f"tiny-4 · Bamanankan: 0 of {total} recorded" in home.content
    assert "Foyer's own screens · Bamanankan: 0 of 2 recorded" in home.content
    await f.press(r1, home, "🎙 tiny-4 · Bamanankan")
    listed = await f.emu.wait_for_edit(r1, home.message_id)
    await f.press(r1, listed, PROMPT_LABEL)
    asked = await f.emu.wait_for_edit(r1, home.message_id, lambda m: "voice note" in m.content)
    # The week's message as Bambara members read it, by the members' renderer: Foyer's words
    # in French (Bambara's catalog is not reviewed), the curriculum's in its source.
    assert "Votre défi de la semaine" in asked.content
    assert "Challenge of week 1: fetch water twice." in asked.content

    first = await record(f, r1, 42)
    assert "(0:42) is kept as a draft" in first.content
    assert await status_of(f) == [("draft", 42)]
    await f.press(r1, first, "🔊 Listen")
    heard = await f.last_message(r1)
    assert heard.kind == "voice" and heard.file is not None

    await f.press(r1, first, "🔁 Redo")
    await f.emu.wait_for_edit(r1, first.message_id, lambda m: "voice note" in m.content)
    assert await status_of(f) == []
    second = await record(f, r1, 30, pitch=330.0)
    async with f.rt.engine.connect() as conn:
        (draft,) = await conn.execute(select(recording.c.file_id))
    await f.press(r1, second, "✅ Submit")
    done = await f.emu.wait_for_edit(r1, second.message_id)
    assert "Submitted" in done.content
    assert await status_of(f) == [("pending", 30)]
    assert await approved(f) is None  # pending is never what members hear

    # Nobody reviews his own: not listed, and refused even through a forged button.
    f.emu.send_text(r1, "/review")
    assert "Nothing waits for your review" in (await f.last_message(r1)).content
    (rid,) = [r for (r,) in await rows(f, select(recording.c.id))]
    qid = f.emu.press_button(r1, first.message_id, ReviewAction("a", rid).pack())
    assert "another person must review" in (await f.emu.wait_for_callback_answer(qid))["text"]
    assert await status_of(f) == [("pending", 30)]

    f.emu.send_text(r2, "/review")
    pending = await f.last_message(r2)
    await f.press(
        r2, pending, "🔊 tiny-4 · week 1 · the week's message and challenge · Bamanankan (0:30)"
    )
    played = await f.last_message(r2)
    assert played.kind == "voice" and played.file is not None
    assert played.file.file_id == draft.file_id
    panel = await f.emu.wait_for_edit(r2, pending.message_id)
    await f.press(r2, panel, "✅ Approve")
    assert (
        "Approved"
        in (
            await f.emu.wait_for_edit(r2, pending.message_id, lambda m: "Approved" in m.content)
        ).content
    )
    told = await f.emu.wait_for_message(r1, lambda m: "was approved" in m.content)
    assert "tiny-4 · week 1" in told.content

    found = await approved(f)
    assert found is not None and found.file_id == draft.file_id and found.duration == 30
    assert found.recorded_by == await person_id(f, r1)
    assert found.reviewed_by == await person_id(f, r2)
    assert found.bot_id == f.app.bot.id


async def test_reject_with_a_reason_and_the_recorder_is_told(f: Foyer) -> None:
    r1 = await make_recorder(f, "bm")
    await open_item(f, r1)
    draft = await record(f, r1)
    await f.press(r1, draft, "✅ Submit")
    await f.emu.wait_for_edit(r1, draft.message_id)

    # An admin reviews every language; the reason is typed.
    f.emu.send_text(ADMIN, "/review")
    pending = await f.last_message(ADMIN)
    await f.press(ADMIN, pending, pending.reply_markup[0][0][1])
    panel = await f.emu.wait_for_edit(ADMIN, pending.message_id)
    await f.press(ADMIN, panel, "❌ Reject")
    await f.emu.wait_for_edit(ADMIN, pending.message_id, lambda m: "reason" in m.content)
    f.emu.send_text(ADMIN, "x" * 201)
    assert "at most 200 characters" in (await f.last_message(ADMIN)).content
    assert await status_of(f) == [("pending", 42)]
    f.emu.send_text(ADMIN, "Too fast <please> slow down")
    assert "Rejected" in (await f.last_message(ADMIN)).content

    told = await f.emu.wait_for_message(r1, lambda m: "not approved" in m.content)
    assert "Too fast <please> slow down" in told.content
    got = await rows(f, select(recording.c.status, recording.c.reason, recording.c.reviewed_by))
    assert got == [("rejected", "Too fast <please> slow down", await person_id(f, ADMIN))]
    assert await approved(f) is None
    # Rejected, the item shows again as still to record.
    f.emu.send_text(r1, "/record")
    assert "tiny-4 · Bamanankan: 0 of" in (await f.last_message(r1)).content


async def test_a_new_recording_waits_while_the_old_one_stays_approved(f: Foyer) -> None:
    r1 = await make_recorder(f, "bm")
    r2 = await make_recorder(f, "bm")
    who1 = await recorders.recorder_of(f.rt, r1)
    who2 = await recorders.recorder_of(f.rt, r2)
    note = recordings.VoiceNote("old-file", "old-u", 20)
    old = await recordings.save_draft(f.rt, who1, PROMPT_1, note, f.app.bot.id)
    await recordings.submit(f.rt, who1, old)
    await recordings.approve(f.rt, who2, old, "en")

    # Replacing it goes through the same screens: the recorded ones are listed on demand.
    f.emu.send_text(r1, "/record")
    home = await f.last_message(r1)
    await f.press(r1, home, "🎙 tiny-4 · Bamanankan")
    listed = await f.emu.wait_for_edit(r1, home.message_id)
    assert not any("Week 1: the week's" in label for label, _data in listed.buttons)
    await f.press(r1, listed, "🔁 Show the recorded ones too, to replace one")
    everything = await f.emu.wait_for_edit(
        r1, home.message_id, lambda m: "✅ Week 1" in str(m.reply_markup)
    )
    await f.press(r1, everything, "✅ Week 1: the week's message and challenge")
    asked = await f.emu.wait_for_edit(r1, home.message_id, lambda m: "voice note" in m.content)
    assert "members keep hearing it until yours is approved" in asked.content
    draft = await record(f, r1, 25)
    await f.press(r1, draft, "✅ Submit")
    await f.emu.wait_for_edit(r1, draft.message_id)

    still = await approved(f)
    assert still is not None and still.id == old
    new = max(r for (r,) in await rows(f, select(recording.c.id)))
    await recordings.approve(f.rt, who2, new, "en")
    now = await approved(f)
    assert now is not None and now.id == new
    assert await status_of(f) == [("replaced", 20), ("approved", 25)]


async def test_two_reviewers_at_once_approve_one(f: Foyer) -> None:
    r1, r2, r3 = [await make_recorder(f, "bm") for _ in range(3)]
    who1, who2, who3 = [await recorders.recorder_of(f.rt, r) for r in (r1, r2, r3)]
    admin = await recorders.recorder_of(f.rt, ADMIN)

    async def pending(name: str) -> int:
        note = recordings.VoiceNote(name, None, 10)
        rid = await recordings.save_draft(f.rt, who1, PROMPT_1, note, 1)
        await recordings.submit(f.rt, who1, rid)
        return rid

    async def approve(who: recorders.Recorder, rid: int) -> bool:
        try:
            await recordings.approve(f.rt, who, rid, "en")
        except recordings.Unavailable:
            return False
        return True

    # The same recording, pressed by two reviewers at the same moment: one approval.
    a = await pending("a")
    assert sorted(await asyncio.gather(approve(who2, a), approve(who3, a))) == [False, True]
    # Two recordings of one key approved at once: one stays approved, the other is replaced.
    b, c = await pending("b"), await pending("c")
    assert await asyncio.gather(approve(who2, b), approve(admin, c)) == [True, True]
    got = dict(await rows(f, select(recording.c.file_id, recording.c.status)))
    assert sorted(got.values()) == ["approved", "replaced", "replaced"]
    assert got["a"] == "replaced"


# PostgreSQL only (conftest.POSTGRES_ONLY): SQLite writes one transaction at a time.
async def test_approvals_of_one_key_wait_for_each_other(f: Foyer, backend: str) -> None:
    """Two transactions approving two recordings of one key: the second waits for the first's
    commit, then replaces its approval (without the key's lock both would stay approved)."""
    r1, r2, r3 = [await make_recorder(f, "bm") for _ in range(3)]
    who1 = await recorders.recorder_of(f.rt, r1)
    ids = []
    for name in ("a", "b"):
        rid = await recordings.save_draft(
            f.rt, who1, PROMPT_1, recordings.VoiceNote(name, None, 10), 1
        )
        await recordings.submit(f.rt, who1, rid)
        ids.append(rid)
    rev2, rev3, now = await person_id(f, r2), await person_id(f, r3), f.clock.now()

    async def second_approval() -> library.Recording | None:
        async with f.rt.engine.begin() as c2:
            return await library.approve(c2, ids[1], rev3, now)

    async with f.rt.engine.connect() as c1:
        await c1.begin()
        assert await library.approve(c1, ids[0], rev2, now) is not None
        second = asyncio.create_task(second_approval())
        # Until the second waits for the first's lock (or, unlocked, ran through).
        async with f.rt.engine.connect() as watch:
            lock_wait = text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            while not second.done() and not (await watch.execute(lock_wait)).scalar_one():
                await watch.rollback()
                await asyncio.sleep(0.01)
        await c1.commit()
    assert await second is not None
    got = dict(await rows(f, select(recording.c.file_id, recording.c.status)))
    assert got == {"a": "replaced", "b": "approved"}


async def test_too_long_or_not_a_voice_note_keeps_nothing(f: Foyer) -> None:
    r1 = await make_recorder(f, "bm")
    await open_item(f, r1)
    f.emu.send_voice(r1, 360, data=opus_bytes(0.5))
    assert "at most 5 minutes" in (await f.last_message(r1)).content
    f.emu.send_photo(r1)
    assert "Please send a voice note" in (await f.last_message(r1)).content
    f.emu.send_text(r1, "here it is")
    assert "Please send a voice note" in (await f.last_message(r1)).content
    assert await count(f, recording) == 0
    # Still waiting for it: a good one is kept.
    draft = await record(f, r1, 299)
    assert "kept as a draft" in draft.content
    assert await status_of(f) == [("draft", 299)]
    # Cancelled, it is gone, and its buttons are stale.
    (rid,) = [r for (r,) in await rows(f, select(recording.c.id))]
    await f.press(r1, draft, "❌ Cancel")
    assert "Nothing was kept" in (await f.emu.wait_for_edit(r1, draft.message_id)).content
    assert await count(f, recording) == 0
    qid = f.emu.press_button(r1, draft.message_id, DraftAction(rid, "s").pack())
    assert "no longer works" in (await f.emu.wait_for_callback_answer(qid))["text"]
    assert await count(f, recording) == 0


async def test_members_facilitators_and_other_languages_cannot_record_or_review(
    f: Foyer,
) -> None:
    gid, code = await f.create_group()
    member = await f.join(code)
    facilitator = await make_facilitator(f, gid)
    french = await make_recorder(f, "fr")
    r1 = await make_recorder(f, "bm")
    await open_item(f, r1)
    draft = await record(f, r1)
    (rid,) = [r for (r,) in await rows(f, select(recording.c.id))]

    for uid in (member, facilitator):
        for command in ("/record", "/review"):
            f.emu.send_text(uid, command)
            assert "only for the programme's recorders" in (await f.last_message(uid)).content
    f.emu.send_text(member, "/recorders bm")
    assert "only for" in (await f.last_message(member)).content

    forged = [
        RecordList("bm", "tiny-4").pack(),
        RecordItem(PROMPT_1).pack(),
        DraftAction(rid, "s").pack(),
        DraftAction(rid, "x").pack(),
        ReviewAction("a", rid).pack(),
        ReviewAction("o", rid).pack(),
    ]
    anchors = {}
    for uid in (member, facilitator, french):
        f.emu.send_text(uid, "/help")
        anchor = anchors[uid] = await f.last_message(uid)
        home = [] if uid == french else [RecordHome().pack()]  # his own languages' overview
        for data in [*home, *forged]:
            qid = f.emu.press_button(uid, anchor.message_id, data)
            answer = await f.emu.wait_for_callback_answer(qid)
            assert "no longer works" in answer["text"], (uid, data)
    assert await status_of(f) == [("draft", 42)]

    # Submitted: the French recorder still cannot review a Bambara recording.
    await f.press(r1, draft, "✅ Submit")
    await f.emu.wait_for_edit(r1, draft.message_id)
    f.emu.send_text(french, "/review")
    assert "Nothing waits for your review" in (await f.last_message(french)).content
    qid = f.emu.press_button(french, anchors[french].message_id, ReviewAction("a", rid).pack())
    assert "no longer works" in (await f.emu.wait_for_callback_answer(qid))["text"]
    assert await status_of(f) == [("pending", 42)]

    # A revoked recorder records nothing more.
    assert await recorders.revoke(f.rt, r1)
    f.emu.send_text(r1, "/record")
    assert "only for the programme's recorders" in (await f.last_message(r1)).content


async def test_admin_invites_a_recorder_in_telegram(f: Foyer) -> None:
    f.emu.send_text(ADMIN, "/recorders")
    pick = await f.last_message(ADMIN)
    await f.press(ADMIN, pick, "▫️ Bamanankan")
    pick = await f.emu.wait_for_edit(ADMIN, pick.message_id)
    await f.press(ADMIN, pick, "▫️ Français")
    pick = await f.emu.wait_for_edit(
        ADMIN, pick.message_id, lambda m: "☑️ Français" in str(m.reply_markup)
    )
    await f.press(ADMIN, pick, "🔗 Make the link")
    link = await f.emu.wait_for_edit(ADMIN, pick.message_id, lambda m: "start=" in m.content)
    assert "Français, Bamanankan" in link.content
    code = link.content.rsplit("start=", 1)[1].strip()

    uid = f.new_user()
    f.emu.send_text(uid, f"/start {code}")
    conduct = await f.last_message(uid)
    assert "Zero tolerance" in conduct.content
    await f.press(uid, conduct, "✅ I accept")
    await f.emu.wait_for_edit(uid, conduct.message_id)
    assert await rows(f, select(staff.c.role, staff.c.languages)) == [("recorder", "fr,bm")]
    # Used once: the next person is told kindly, and nothing changes.
    other = f.new_user()
    f.emu.send_text(other, f"/start {code}")
    assert "does not work any more" in (await f.last_message(other)).content
    f.emu.send_text(ADMIN, "/recorders xx")
    assert "/recorders followed by languages" in (await f.last_message(ADMIN)).content
    assert await count(f, staff) == 1


async def test_forgetting_a_recorder_keeps_his_recordings_unlinked(f: Foyer) -> None:
    r1 = await make_recorder(f, "bm")
    r2 = await make_recorder(f, "bm")
    who1, who2 = [await recorders.recorder_of(f.rt, r) for r in (r1, r2)]
    kept = await recordings.save_draft(f.rt, who1, PROMPT_1, recordings.VoiceNote("k", None, 9), 1)
    await recordings.submit(f.rt, who1, kept)
    await recordings.approve(f.rt, who2, kept, "en")
    consent = AudioKey("", 0, AudioItem.CONSENT, "bm")
    await recordings.save_draft(f.rt, who1, consent, recordings.VoiceNote("d", None, 5), 1)

    mine = await privacy.export(f.rt, await person_id(f, r1))
    assert mine["staff"] == [{**mine["staff"][0], "role": "recorder", "languages": "bm"}]
    assert {r["status"] for r in mine["recording"]} == {"approved", "draft"}
    assert all("reviewed_by" not in r and "reason" not in r for r in mine["recording"])
    # The reviewer's export shows his own role, never the recordings he reviewed.
    assert "recording" not in await privacy.export(f.rt, await person_id(f, r2))

    async with f.rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, r1)
    assert p is not None and await privacy.forget(f.rt, None, p)
    got = await rows(f, select(recording.c.status, recording.c.recorded_by))
    assert got == [("approved", None)]  # his draft went with him
    assert await count(f, staff) == 1
    still = await approved(f)
    assert still is not None and still.reviewed_by == await person_id(f, r2)


def test_cli_invite_list_revoke(tmp_path: Path) -> None:
    env = {
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
        "FOYER_CONTENT_DIR": str(CURRICULA),
    }
    assert foyer_cli("db", "upgrade", env=env).returncode == 0
    unknown = foyer_cli("recorder", "invite", "--language", "xx", env=env)
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1
    assert "unknown language 'xx'" in unknown.stderr
    made = foyer_cli(
        "recorder", "invite", "--language", "bm", "--language", "fr", "--json", env=env
    )
    assert made.returncode == 0, made.stderr
    out = json.loads(made.stdout)
    assert 16 <= len(out["invite_code"]) <= 64 and out["languages"] == ["fr", "bm"]
    plain = foyer_cli("recorder", "invite", "--language", "bm", env=env)
    assert "recorder (bm) invite code:" in plain.stdout and "7 days" in plain.stdout
    listed = foyer_cli("recorder", "list", "--json", env=env)
    assert json.loads(listed.stdout) == []
    assert "no recorders yet" in foyer_cli("recorder", "list", env=env).stdout
    gone = foyer_cli("recorder", "revoke", "12345", env=env)
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1
    assert "not an active recorder" in gone.stderr
    for args in (
        ["recorder"],
        ["recorder", "invite"],
        ["recorder", "list"],
        ["recorder", "revoke"],
    ):
        assert foyer_cli(*args, "--help", env=env).returncode == 0


async def test_cli_lists_and_revokes_an_accepted_recorder(f: Foyer) -> None:
    uid = await make_recorder(f, "bm", "fr")
    (row,) = await recorders.list_recorders(f.rt)
    assert (row.telegram_id, row.languages, row.active) == (uid, ("fr", "bm"), True)
    assert await recorders.revoke(f.rt, uid) and not await recorders.revoke(f.rt, uid)
    assert await rows(f, select(staff.c.revoked_at.is_not(None))) == [(True,)]


async def test_the_language_notice_is_recorded_from_its_own_text(foyer: Foyer) -> None:
    """The recorder reads the notice members are shown (in French) and says it in Bambara."""
    from bot.handlers.language_notice import language_notice_text
    from bot.handlers.recording_texts import item_text

    shown = await item_text(foyer.rt, AudioKey("", 0, AudioItem.LANGUAGE_NOTICE, "bm"))
    assert shown == language_notice_text() and "français" in shown
