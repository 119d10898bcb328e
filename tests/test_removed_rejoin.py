"""A facilitator's removal outlives the removed person's /forget: the group keeps a salted hash of
the Telegram id (never the id), and the invite link alone does not bring them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from bot.storage import removals
from bot.storage.tables import group, membership, person, removed_person
from tests.conftest import Foyer
from tests.facilitator_helpers import make_facilitator, rows, tap
from tests.test_partner_privacy import forget


async def remove(f: Foyer, fac: int, label: str) -> None:
    f.emu.send_text(fac, "/groups")
    menu = await tap(f, fac, await f.last_message(fac), "Kati Men")
    listing = await tap(f, fac, menu, "Members")
    ask = await tap(f, fac, listing, f"Remove {label}")
    await tap(f, fac, ask, "Yes")
    await f.settle()


async def opens(f: Foyer, uid: int, code: str) -> Any:
    f.emu.send_text(uid, f"/start {code}")
    return await f.last_message(uid)


async def test_forget_does_not_undo_a_removal(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    _other_gid, other_code = await foyer.create_group(name="Sikasso Men")
    fac = await make_facilitator(foyer, gid)
    removed = await foyer.join(
        code, user_id=foyer.new_user(language_code="fr"), language="Français"
    )
    stays = await foyer.join(code)
    await remove(foyer, fac, "Member 1")
    refused = (await opens(foyer, removed, code)).text
    assert "ne peut pas vous faire revenir" in refused  # his language

    await forget(foyer, removed)
    assert await rows(foyer, select(person.c.id).where(person.c.telegram_id == removed)) == []
    answer = await opens(foyer, removed, code)
    assert answer.text == refused and not answer.reply_markup  # the same kind answer
    assert await rows(foyer, select(membership.c.id).where(membership.c.group_id == gid)) == [
        (2,)
    ]  # nothing stored: only the member who stays

    # What is kept names nobody: one hash, not the id, under the group's own salt.
    kept = await rows(foyer, select(removed_person.c.group_id, removed_person.c.digest))
    assert len(kept) == 1 and kept[0][0] == gid and str(removed) not in kept[0][1]
    (salt,) = (await rows(foyer, select(group.c.removal_salt).where(group.c.id == gid)))[0]
    assert kept[0][1] == removals.digest(salt, removed)
    # Another group is another matter, and so is anyone else.
    assert "Dans quelle langue" in (await opens(foyer, removed, other_code)).text
    newcomer = foyer.new_user()
    assert "Which language" in (await opens(foyer, newcomer, code)).text
    assert "already in this group" in (await opens(foyer, stays, code)).text


async def test_deleting_the_group_deletes_its_removals(foyer: Foyer) -> None:
    gid, _code = await foyer.create_group()
    other_gid, _other = await foyer.create_group(name="Sikasso Men")
    async with foyer.rt.engine.begin() as conn:
        for g in (gid, other_gid):
            await removals.remember(conn, g, 424242, foyer.clock.now())
    digests = await rows(foyer, select(removed_person.c.digest).order_by(removed_person.c.id))
    assert len(set(digests)) == 2  # one id, two groups, two salts: nothing to match across
    async with foyer.rt.engine.begin() as conn:
        await conn.execute(delete(group).where(group.c.id == gid))
    assert await rows(foyer, select(removed_person.c.group_id)) == [(other_gid,)]
