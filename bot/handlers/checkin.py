"""The weekly check-in: Done / Partly / Not yet, stored as a value, never as text (and the
storing of the couples' check-in too, whose answers partner.py gives)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.buttons.member import CheckIn, CouplesCheckIn
from bot.domain.curriculum import context_key
from bot.domain.outbox_kinds import OutboxKind
from bot.handlers.common import current_person, edit, rt
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _, content_text
from bot.services import participation


async def recorded(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    answer: CheckIn | CouplesCheckIn,
    kind: OutboxKind = OutboxKind.CHECKIN,
) -> str | None:
    """Store the press if the button is this person's, and thank them: the curriculum id. None,
    answered as stale, for someone else's button, an old one, or someone Foyer does not know."""
    person = current_person()
    cur_id = None
    if person is not None:
        cur_id = await participation.record_checkin(
            rt(context), person.id, answer.membership_id, answer.week, answer.value, kind=kind
        )
    if cur_id is None:
        await answer_stale(update)
        return None
    assert update.callback_query is not None
    await update.callback_query.answer(_("Thank you!"))
    return cur_id


@answers(CheckIn)
async def on_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: CheckIn) -> None:
    cur_id = await recorded(update, context, answer)
    if cur_id is None:
        return
    if answer.value == "done":
        await edit(update, _("Well done! Thank you for trying this week's challenge."))
        return
    week = rt(context).curricula[cur_id].get_week(answer.week)
    tip = content_text(context_key(cur_id, answer.week, "tip"), week.tip or "")
    text = _("Thank you for being honest. Here is an idea that may help:")
    await edit(update, f"{text}\n\n{tip}" if tip else text)
