"""Every facilitator action, tried as a member, as another group's facilitator and as a
stranger: refused with the same plain words, nothing changed, nothing revealed (the answer for
a real group is the same as for a group that does not exist). The whole table, with the admin's,
the focal point's and the staff's other actions: python -m bench.campaigns.authz."""

from __future__ import annotations

from bench.campaigns.authz import MISSING, group_button_data, snapshot
from bot.services import broadcasts, staff_access
from tests.conftest import Foyer
from tests.facilitator_helpers import make_facilitator

REFUSED = "Sorry, this is only for the group's facilitators."


async def test_every_action_is_refused_for_everyone_else(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    other_gid, _ = await foyer.create_group(name="Other group")
    await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    member = await foyer.join(code)
    other_fac = await make_facilitator(foyer, other_gid)
    stranger = foyer.new_user()
    by = await staff_access.facilitating(foyer.rt, fac, gid)
    draft = await broadcasts.draft(foyer.rt, by, kind="text", text="hi", file_id=None)
    assert draft is not None
    await foyer.tick()
    await foyer.settle()

    before = await snapshot(foyer.rt.engine)
    for who in (member, other_fac, stranger):
        foyer.emu.send_text(who, "/start")
        anchor = await foyer.last_message(who)
        for data in group_button_data(gid, 1):
            qid = foyer.emu.press_button(who, anchor.message_id, data)
            answer = await foyer.emu.wait_for_callback_answer(qid)
            missing = foyer.emu.press_button(
                who, anchor.message_id, data.replace(f":{gid}", f":{MISSING}", 1)
            )
            answer_missing = await foyer.emu.wait_for_callback_answer(missing)
            assert answer.get("text") == REFUSED, (who, data, answer)
            assert answer_missing.get("text") == answer.get("text"), (who, data)
        # Someone else's broadcast cannot be sent or cancelled.
        for data in (f"bc:{draft.id}:y", f"bc:{draft.id}:n"):
            qid = foyer.emu.press_button(who, anchor.message_id, data)
            await foyer.emu.wait_for_callback_answer(qid)
        for command in ("/groups", "/newgroup", "/broadcast", "/remind", "/report", "/export"):
            foyer.emu.send_text(who, command)
            reply = await foyer.last_message(who)
            if who == other_fac and command != "/newgroup":
                assert "Kati Men" not in reply.text, command  # only their own group shows
            elif who != other_fac:
                assert reply.text == REFUSED, (who, command)
        foyer.emu.send_text(who, f"/newfacilitator {gid}")
        assert (await foyer.last_message(who)).text == REFUSED
        foyer.emu.send_text(who, "/cancel")
        await foyer.last_message(who)
    await foyer.emu.wait_idle()
    await foyer.tick()
    await foyer.settle()
    after = await snapshot(foyer.rt.engine)
    assert after == before
    # Nothing reached the group's members or the group's facilitator meanwhile.
    assert not any("hi" == (m.text or "").rsplit("\n", 1)[-1] for m in foyer.emu.messages(member))
