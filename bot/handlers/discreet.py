"""Answers that respect a person's discreet mode: a neutral first line (it is what the chat list
and notification previews show), no forwarding or saving, silent if they chose it, and the
message noted so /erase and auto-erase can delete it later."""

from __future__ import annotations

from telegram import InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.kinds.safety import discreet_text
from bot.handlers.common import Buttons, current_person, markup, rt
from bot.services import privacy
from bot.storage.people import PersonRow


def _shape(text: str, person: PersonRow | None) -> tuple[str, bool, bool]:
    """(text, protect_content, disable_notification) for this person."""
    if person is None:
        return text, False, False
    if person.discreet:
        return discreet_text(text), True, person.silent
    return text, False, person.silent


async def _remember(
    context: ContextTypes.DEFAULT_TYPE, person: PersonRow | None, m: Message
) -> None:
    if person is not None:
        await privacy.remember_message(rt(context), person, m.chat_id, m.message_id)


async def send(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    buttons: Buttons | None = None,
    *,
    person: PersonRow | None = None,
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    who = person or current_person()
    body, protect, quiet = _shape(text, who)
    sent = await chat.send_message(
        body,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(buttons),
        protect_content=protect,
        disable_notification=quiet,
    )
    await _remember(context, who, sent)


async def edit(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    buttons: Buttons | None = None,
    *,
    person: PersonRow | None = None,
) -> None:
    """Replace the pressed message (old buttons disappear); a new message if that fails."""
    query = update.callback_query
    if query is None:
        await send(update, context, text, buttons, person=person)
        return
    who = person or current_person()
    body, _protect, _quiet = _shape(text, who)
    try:
        await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=markup(buttons))
    except TelegramError:
        await send(update, context, text, buttons, person=person)


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
    body, _protect, quiet = _shape(caption, who)
    sent = await chat.send_document(
        InputFile(data, filename=filename),
        caption=body,
        parse_mode=ParseMode.HTML,
        protect_content=True,  # a copy of someone's data is never forwarded from Foyer
        disable_notification=quiet,
    )
    await _remember(context, who, sent)
