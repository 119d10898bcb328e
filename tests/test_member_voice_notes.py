"""A voice note is free text by another name (issue 21, point 7): from a member, a stranger, a
facilitator or a recorder outside /record's dialogue it gets a kind answer and is never kept,
downloaded or logged. Only a recorder inside /record keeps one (test_recording_library.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import recorders
from bot.storage.tables import erasable, handled_update, metadata, service_mark
from tests.audio_samples import opus_bytes
from tests.conftest import Foyer
from tests.facilitator_helpers import make_facilitator


async def table_counts(f: Foyer) -> dict[str, int]:
    """Rows in every table but the update ids handled (one per update, whatever it held), the
    marks Foyer's own jobs write on their own time, and the message ids kept so /erase can
    delete a member's chat (checked apart)."""
    async with f.rt.engine.connect() as conn:
        return {
            t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in metadata.sorted_tables
            if t not in (handled_update, service_mark, erasable)
        }


async def erasable_ids(f: Foyer) -> set[tuple[int, int]]:
    async with f.rt.engine.connect() as conn:
        return {
            tuple(r) for r in await conn.execute(select(erasable.c.chat_id, erasable.c.message_id))
        }


async def anywhere(f: Foyer, needles: tuple[str, ...]) -> list[str]:
    """Every column of every row that holds one of these strings."""
    found = []
    async with f.rt.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                for column, value in row.items():
                    if any(n in str(value) for n in needles):
                        found.append(f"{table.name}.{column}")
    return found


async def recorder(f: Foyer) -> int:
    uid = f.new_user()
    code = await recorders.create_invite(f.rt, ("bm",))
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    await f.press(uid, msg, "✅ I accept")
    await f.emu.wait_for_edit(uid, msg.message_id)
    return uid


async def test_voice_notes_outside_recording_are_never_kept_fetched_or_logged(
    foyer: Foyer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what a deployment logs
    caplog.set_level(logging.DEBUG, logger="bot")  # and all of Foyer's own, at DEBUG
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    facilitator = await make_facilitator(foyer, gid)
    stranger = foyer.new_user()
    staff_recorder = await recorder(foyer)
    await foyer.settle()

    sent: list[Any] = []
    for uid in (member, stranger, facilitator, staff_recorder):
        before, erasing = await table_counts(foyer), await erasable_ids(foyer)
        sent.append(foyer.emu.send_voice(uid, 12, data=opus_bytes(0.5)))
        answer = await foyer.last_message(uid)
        assert "Thank you for the voice message!" in answer.content
        assert "nothing you send here is saved" in answer.content
        assert await table_counts(foyer) == before, uid
        # Someone Foyer knows gets the two message ids kept, so /erase can delete them from
        # his chat; a stranger not even that.
        added = await erasable_ids(foyer) - erasing
        both = {(uid, sent[-1].message_id), (uid, answer.message_id)}
        assert added == (set() if uid == stranger else both), uid

    ids = tuple(s for m in sent for s in (m.file.file_id, m.file.file_unique_id))
    assert await anywhere(foyer, ids) == []
    assert foyer.emu.calls("getFile") == []  # never downloaded
    lines = [
        r.getMessage() + (r.exc_text or "")
        for r in caplog.records
        if not r.name.startswith("bot.emulator")  # the test's own Telegram
    ]
    assert [line for line in lines if any(i in line for i in ids)] == []
