"""docs/architecture.md's walk-through, done for real: a new facilitator action is one button
family and one handler, and comes with the router, the authorization and the refusal."""

from __future__ import annotations

import html

from telegram import Update

from bot.domain.buttons import base, unpack
from bot.domain.buttons.group_actions import GroupButton
from bot.handlers import routing
from bot.handlers.common import edit
from bot.handlers.facilitator_groups import back
from bot.handlers.staff_auth import Context, group_action
from bot.services.staff_access import Facilitating
from tests.conftest import Foyer
from tests.facilitator_helpers import make_facilitator

REFUSED = "Sorry, this is only for the group's facilitators."


async def test_a_new_facilitator_action_is_one_family_and_one_handler(foyer: Foyer) -> None:
    class GreetGroup(GroupButton):  # 1. the family: fg:<group>:hi
        CODE = "hi"

    @group_action(GreetGroup)  # 2. the handler
    async def on_greet(update: Update, context: Context, b: GreetGroup, f: Facilitating) -> None:
        await edit(update, "Hello, " + html.escape(f.group.name), [[back(f.group.id)]])

    try:
        gid, _code = await foyer.create_group()
        other_gid, _other = await foyer.create_group(name="Segou Men")
        fac = await make_facilitator(foyer, gid)
        assert unpack(GreetGroup(gid).pack()) == GreetGroup(gid)
        foyer.emu.send_text(fac, "/groups")
        anchor = await foyer.last_message(fac)

        qid = foyer.emu.press_button(fac, anchor.message_id, GreetGroup(gid).pack())
        assert (await foyer.emu.wait_for_edit(fac, anchor.message_id)).text == "Hello, Kati Men"
        await foyer.emu.wait_for_callback_answer(qid)

        # Another group's, or a stranger's press: the same refusal, nothing shown.
        stranger = foyer.new_user()
        foyer.emu.send_text(stranger, "/help")
        theirs = await foyer.last_message(stranger)
        for uid, message, group in ((fac, anchor, other_gid), (stranger, theirs, gid)):
            qid = foyer.emu.press_button(uid, message.message_id, GreetGroup(group).pack())
            answer = await foyer.emu.wait_for_callback_answer(qid)
            assert answer["text"] == REFUSED, (uid, group)
        last = foyer.emu.last_message(stranger)
        assert last is not None and "Hello" not in (last.text or "")
    finally:  # the registries are the process's: leave them as they were
        base._FAMILIES.remove(GreetGroup)
        del routing._HANDLERS[GreetGroup]
