"""The typed answers Foyer asked a facilitator for, and /cancel.

Each question's answer goes to the handler registered for it (`answers_typed` in
facilitator_common), after the person is authorized for the group again: they may have lost
it since the question was asked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.handlers.common import reply
from bot.handlers.facilitator_common import AwaitingInput, expect, take, typed_step
from bot.handlers.staff_auth import Context, facilitating, telegram_id
from bot.i18n import _


async def on_typed(update: Update, context: Context) -> None:
    """A typed answer Foyer asked a facilitator for (one answer per question)."""
    uid = telegram_id(update)
    awaiting = take(context, uid)
    if awaiting is None:
        return
    f = await facilitating(update, context, awaiting.group_id)
    if f is None:
        return
    step = typed_step(awaiting.question)
    text = (update.effective_message.text if update.effective_message else None) or ""
    if step.wants_text and not text:
        expect(context, uid, awaiting)
        await reply(update, _("Please type your answer, or send /cancel."))
        return
    await step.handler(update, context, awaiting, f, text)


async def cancel_command(update: Update, context: Context) -> None:
    if take(context, telegram_id(update)) is None:
        await reply(update, _("There is nothing to cancel."))
        return
    await reply(update, _("Cancelled. Nothing has changed."))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("cancel", cancel_command, filters=private))
    app.add_handler(MessageHandler(AwaitingInput(app), on_typed))
