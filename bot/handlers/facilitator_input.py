"""The typed answers Foyer asked a facilitator for, and /cancel (of any dialogue).

Each question's answer goes to the handler registered for it (`answers_typed` in dialogue.py),
after the person is authorized for the group again: they may have lost it since the question
was asked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.domain.policy import Action, may
from bot.handlers.common import reply
from bot.handlers.dialogue import Awaiting, awaiting_staff_input, expect, take, typed_step
from bot.handlers.staff_auth import Context, facilitating, refuse, staff_of, telegram_id
from bot.i18n import _
from bot.services.staff_access import Facilitating, Staff


async def _authorized(update: Update, context: Context, awaiting: Awaiting) -> Staff | None:
    """The person, allowed to answer now (refused, None, if no longer)."""
    if awaiting.group_id is not None:
        return await facilitating(update, context, awaiting.group_id)
    who = await staff_of(update, context)
    if not may(who.actor, Action.CREATE_GROUP):
        await refuse(update)
        return None
    return who


async def on_typed(update: Update, context: Context) -> None:
    """A typed answer Foyer asked a facilitator for (one answer per question)."""
    uid = telegram_id(update)
    awaiting = take(context, uid)
    step = typed_step(awaiting.question) if awaiting is not None else None
    if awaiting is None or step is None:
        return
    who = await _authorized(update, context, awaiting)
    if who is None:
        return
    text = (update.effective_message.text if update.effective_message else None) or ""
    if step.wants_text and not text:
        expect(context, uid, awaiting)
        await reply(update, _("Please type your answer, or send /cancel."))
        return
    if step.for_staff is not None:
        await step.for_staff(update, context, awaiting, who, text)
    elif step.for_group is not None and isinstance(who, Facilitating):
        await step.for_group(update, context, awaiting, who, text)


async def cancel_command(update: Update, context: Context) -> None:
    awaiting = take(context, telegram_id(update))
    if awaiting is None:
        await reply(update, _("There is nothing to cancel."))
        return
    step = typed_step(awaiting.question)
    cancelled = step.cancelled if step is not None else None
    await reply(update, cancelled() if cancelled else _("Cancelled. Nothing has changed."))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("cancel", cancel_command, filters=private))
    app.add_handler(MessageHandler(awaiting_staff_input(app), on_typed))
