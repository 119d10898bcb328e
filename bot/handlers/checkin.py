"""The weekly check-in: Done / Partly / Not yet, stored as a value, never as text."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.curriculum import context_key
from bot.handlers.callbacks import ROUTES, parse_checkin
from bot.handlers.common import current_person, edit, rt
from bot.i18n import _, content_text
from bot.services import participation


async def on_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    answer = parse_checkin(query.data or "")
    person = current_person()
    if answer is None or person is None:
        await query.answer(_("This button no longer works."))
        return
    runtime = rt(context)
    cur_id = await participation.record_checkin(
        runtime, person.id, answer.membership_id, answer.week, answer.value
    )
    if cur_id is None:
        await query.answer(_("This button no longer works."))
        return
    await query.answer(_("Thank you!"))
    if answer.value == "done":
        await edit(update, _("Well done! Thank you for trying this week's challenge."))
        return
    week = runtime.curricula[cur_id].get_week(answer.week)
    tip = content_text(context_key(cur_id, answer.week, "tip"), week.tip or "")
    text = _("Thank you for being honest. Here is an idea that may help:")
    await edit(update, f"{text}\n\n{tip}" if tip else text)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_checkin, pattern=ROUTES["checkin"]))
