"""Nothing tells one partner what the other did. /mydata holds only what is about the person:
across a couples journey, one partner's export never changes with what the other does, or with
what staff do for her; and the member's own partner link answers him the same whatever she did
with it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.storage import personal_data
from bot.storage.tables import metadata
from tests.conftest import Foyer, msg_buttons
from tests.facilitator_helpers import make_facilitator, tap
from tests.test_couples import LINK, invite_partner, partner_joins


async def mydata(f: Foyer, uid: int) -> dict[str, Any]:
    """The person's /mydata file, as Telegram delivered it."""
    f.emu.send_text(uid, "/mydata")
    doc = await f.emu.wait_for_message(uid, lambda m: m.kind == "document")
    assert doc.file is not None
    stored = f.emu.file(doc.file.file_id)
    assert stored.data is not None
    data: dict[str, Any] = json.loads(stored.data)
    return data


async def export_bytes(f: Foyer, uid: int) -> bytes:
    """His export, less what asking for it changes about himself: when he was last seen, and
    the ids of the messages of that exchange, which Foyer may still delete."""
    data = await mydata(f, uid)
    data["person"][0].pop("last_seen_at")
    data.pop("erasable", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False).encode()


async def confirm(f: Foyer, uid: int, command: str, button: str) -> None:
    f.emu.send_text(uid, command)
    msg = await f.last_message(uid)
    await f.press(uid, msg, button)
    await f.emu.wait_for_edit(uid, msg.message_id)


async def stop(f: Foyer, uid: int) -> None:
    await confirm(f, uid, "/stop", "st:y")


async def forget(f: Foyer, uid: int) -> None:
    f.emu.send_text(uid, "/forget")
    msg = await f.last_message(uid)
    await f.press(uid, msg, "zx:y")
    await f.emu.wait_for_message(
        uid, lambda m: m.message_id > msg.message_id and not m.reply_markup
    )


async def staff_invites_partner(f: Foyer, fac: int) -> str:
    f.emu.send_text(fac, "/groups")
    menu = await tap(f, fac, await f.last_message(fac), "Kati Men")
    pick = await tap(f, fac, menu, "Invite a member's partner")
    link = await tap(f, fac, pick, "Amadou")
    found = LINK.search(link.text or "")
    assert found, link.text
    return found.group(1)


@pytest.mark.parametrize("invited_by", ["member", "staff"])
async def test_his_export_never_tells_what_his_partner_did(foyer: Foyer, invited_by: str) -> None:
    gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code, show_name=True)
    fac = await make_facilitator(foyer, gid)
    if invited_by == "member":
        link = await invite_partner(foyer, member)  # his own act: the baseline comes after it
        baseline = await export_bytes(foyer, member)
    else:
        baseline = await export_bytes(foyer, member)
        link = await staff_invites_partner(foyer, fac)
        assert await export_bytes(foyer, member) == baseline  # staff's act is not his
    declines = foyer.new_user(language_code="fr")  # she opens it and first says no
    foyer.emu.send_text(declines, f"/start {link}")
    msg = await foyer.last_message(declines)
    await foyer.press(declines, msg, "Français")
    msg = await foyer.emu.wait_for_edit(declines, msg.message_id)
    await foyer.press(declines, msg, msg_buttons(msg)[1][0][1])  # no, thank you
    await foyer.emu.wait_for_edit(declines, msg.message_id)
    assert await export_bytes(foyer, member) == baseline
    partner = await partner_joins(foyer, link)
    assert await export_bytes(foyer, member) == baseline
    hers = await mydata(foyer, partner)  # she is stored, and he is not told
    assert [m["role"] for m in hers["membership"]] == ["partner"]
    await stop(foyer, partner)
    assert await export_bytes(foyer, member) == baseline
    await forget(foyer, partner)
    assert await export_bytes(foyer, member) == baseline
    data = json.loads(baseline)
    assert [m["role"] for m in data["membership"]] == ["member"]
    assert data["membership"][0]["group"] == "Kati Men"
    assert "invite" not in data


async def test_her_export_never_tells_what_he_did(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code, show_name=True)
    partner = await partner_joins(foyer, await invite_partner(foyer, member))
    baseline = await export_bytes(foyer, partner)
    await invite_partner(foyer, member)  # another link: nothing to do with her
    assert await export_bytes(foyer, partner) == baseline
    await confirm(foyer, member, "/pause", "pz:0")
    assert await export_bytes(foyer, partner) == baseline
    await stop(foyer, member)
    assert await export_bytes(foyer, partner) == baseline
    await forget(foyer, member)  # his membership goes; hers loses the link to it
    assert await export_bytes(foyer, partner) == baseline
    data = json.loads(baseline)
    (own,) = data["membership"]
    assert own["role"] == "partner" and own["status"] == "active"
    assert "group" not in own and "number" not in own and "partner_of" not in own


async def test_export_names_nobody_else(foyer: Foyer) -> None:
    """No staff id, no other person's id, no internal key: only his own Telegram id."""
    gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code, show_name=True)
    fac = await make_facilitator(foyer, gid)
    await partner_joins(foyer, await staff_invites_partner(foyer, fac))
    data = await mydata(foyer, member)
    for table, rows in data.items():
        for row in rows:
            assert set(row) <= {*personal_data.EXPORTED[table], "group"}, table
    values = [v for rows in data.values() for row in rows for v in row.values()]
    assert member in values and fac not in values
    keys = {k for rows in data.values() for row in rows for k in row}
    assert {k for k in keys if k == "id" or k.endswith("_id")} == {"telegram_id", "message_id"}


def test_every_column_is_exported_or_left_out_for_a_reason() -> None:
    """A column added later must be placed: shown in /mydata, or left out with a reason."""
    unplaced = []
    for table in metadata.sorted_tables:
        shown = set(personal_data.EXPORTED.get(table.name, ()))
        left_out = personal_data.NOT_EXPORTED.get(table.name, {})
        for col in table.columns:
            if (col.name in shown) == (col.name in left_out or "*" in left_out):
                unplaced.append(f"{table.name}.{col.name}")
    assert unplaced == []


async def opens_own_link(f: Foyer, member: int, link: str) -> str:
    f.emu.send_text(member, f"/start {link}")
    return str((await f.last_message(member)).text)


async def test_his_own_partner_link_answers_the_same_whatever_she_did(foyer: Foyer) -> None:
    gid, code = await foyer.create_group(couples_weeks="2")
    member = await foyer.join(code, show_name=True)
    link = await invite_partner(foyer, member)
    before = await opens_own_link(foyer, member, link)
    assert "This invitation is for your partner" in before

    partner = await partner_joins(foyer, link)
    assert await opens_own_link(foyer, member, link) == before  # used by her
    await stop(foyer, partner)
    assert await opens_own_link(foyer, member, link) == before  # she left
    await forget(foyer, partner)
    assert await opens_own_link(foyer, member, link) == before  # she is forgotten

    fac = await make_facilitator(foyer, gid)
    staff_link = await staff_invites_partner(foyer, fac)  # made by staff, never used
    unused = await invite_partner(foyer, member)
    assert await opens_own_link(foyer, member, staff_link) == before
    foyer.clock.advance(timedelta(days=8))
    for old in (link, staff_link, unused):  # expired, used or not
        assert await opens_own_link(foyer, member, old) == before
