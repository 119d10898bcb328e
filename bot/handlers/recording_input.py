"""What a recorder or reviewer sends when Foyer asked for it: a recording's voice note, a
rejection's reason. Every other voice note is never kept (member.py thanks for it)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler

from bot.handlers import recording, recording_review, recording_roles
from bot.handlers.dialogue import Question, awaiting_recorder_input, take
from bot.handlers.staff_auth import Context, telegram_id


async def on_input(update: Update, context: Context) -> None:
    awaiting = take(context, telegram_id(update))
    if awaiting is None:
        return
    if awaiting.question is Question.RECORDING:
        await recording.on_voice(update, context, awaiting)
    elif awaiting.question is Question.REJECT_REASON:
        await recording_review.on_reason(update, context, awaiting)


def register(app: Application) -> None:
    """The audio library's commands, and the answers it waits for (before the members'
    fallbacks, which thank for a voice note and keep nothing)."""
    recording_roles.register(app)
    recording.register(app)
    recording_review.register(app)
    app.add_handler(MessageHandler(awaiting_recorder_input(app), on_input))
