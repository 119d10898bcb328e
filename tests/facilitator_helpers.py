"""Helpers for the facilitator tests: becoming a facilitator, reading the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from bot.services import facilitation, staff_access
from bot.storage.groups import GroupRow
from tests.conftest import Foyer, msg_buttons


async def make_facilitator(f: Foyer, group_id: int | None, uid: int | None = None) -> int:
    """Walk the facilitator's invitation as a person would: /start CODE, then I accept."""
    uid = uid if uid is not None else f.new_user(first_name="Fatou")
    code = await facilitation.create_invite(f.rt, group_id)
    assert code is not None
    f.emu.send_text(uid, f"/start {code}")
    msg = await f.last_message(uid)
    assert "code of conduct" in msg.text
    await f.press(uid, msg, "I accept")
    done = await f.emu.wait_for_edit(uid, msg.message_id)
    assert "You are now a facilitator" in (done.text or "")
    return uid


async def group_of(f: Foyer, uid: int, group_id: int) -> GroupRow:
    """The group as a service gets it: authorized for this facilitator (NotAllowed if not)."""
    return (await staff_access.facilitating(f.rt, uid, group_id)).group


async def rows(f: Foyer, query: Select[Any]) -> list[tuple[Any, ...]]:
    async with f.rt.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(query)).all()]


async def count(f: Foyer, table: Any, *where: Any) -> int:
    async with f.rt.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def tap(f: Foyer, uid: int, msg: Any, label: str) -> Any:
    """Press a button and return the message once the bot edited it."""
    await f.press(uid, msg, label)
    return await f.emu.wait_for_edit(uid, msg.message_id)


def labels(msg: Any) -> list[str]:
    return [label for row in msg_buttons(msg) for label, _data in row]
