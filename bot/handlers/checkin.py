"""The weekly check-in: Done / Partly / Not yet, stored as a value, never as text."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.buttons.member import CheckIn
from bot.domain.curriculum import context_key
from bot.handlers.common import current_person, edit, rt
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _, content_text
from bot.services import participation


@answers(CheckIn)
async def on_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: CheckIn) -> None:
    query = update.callback_query
    assert query is not None
    person = current_person()
    if person is None:
        await answer_stale(update)
        return
    runtime = rt(context)
    cur_id = await participation.record_checkin(
        runtime, person.id, answer.membership_id, answer.week, answer.value
    )
    if cur_id is None:
        await answer_stale(update)
        return
    await query.answer(_("Thank you!"))
    if answer.value == "done":
        await edit(update, _("Well done! Thank you for trying this week's challenge."))
        return
    week = runtime.curricula[cur_id].get_week(answer.week)
    tip = content_text(context_key(cur_id, answer.week, "tip"), week.tip or "")
    text = _("Thank you for being honest. Here is an idea that may help:")
    await edit(update, f"{text}\n\n{tip}" if tip else text)
