"""Answers that respect a person's discreet mode: a neutral first line (it is what the chat list
and notification previews show), no forwarding or saving, silent if they chose it, and the
message noted so /erase and auto-erase can delete it later."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.handlers.common import Buttons, current_person, remember, reply, shape
from bot.handlers.common import edit as common_edit
from bot.storage.people import PersonRow


async def send(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    buttons: Buttons | None = None,
    *,
    person: PersonRow | None = None,
) -> None:
    await reply(update, text, buttons, person=person)


async def edit(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    buttons: Buttons | None = None,
    *,
    person: PersonRow | None = None,
) -> None:
    """Replace the pressed message (old buttons disappear); a new message if that fails."""
    await common_edit(update, text, buttons, person=person)


async def send_file(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    data: bytes,
    filename: str,
    caption: str,
    *,
    person: PersonRow | None = None,
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    who = person or current_person()
    body, _protect, quiet = shape(caption, who)
    sent = await chat.send_document(
        InputFile(data, filename=filename),
        caption=body,
        parse_mode=ParseMode.HTML,
        protect_content=True,  # a copy of someone's data is never forwarded from Foyer
        disable_notification=quiet,
    )
    await remember(who, sent)
