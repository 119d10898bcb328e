"""Cross-cutting handler work: who is writing (set by bot/handlers/person.py), how we answer
(shaped by discreet mode, noted for erasing), and how a failure is told."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.delivery.kinds.safety import discreet_text
from bot.domain import symbols
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.handlers.routing import answer_stale
from bot.i18n import LANGUAGE_NAMES, _
from bot.infra import bot_api
from bot.runtime import Runtime, runtime_of
from bot.services.privacy import remember_message
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]
_person: ContextVar[PersonRow | None] = ContextVar("foyer_person", default=None)
_runtime: ContextVar[Runtime | None] = ContextVar("foyer_runtime", default=None)


def current_person() -> PersonRow | None:
    return _person.get()


def begin_update(runtime: Runtime, person: PersonRow | None) -> None:
    """Who this update is from, for every answer to it (load_person sets it)."""
    _runtime.set(runtime)
    _person.set(person)


def rt(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return runtime_of(context.application)


async def person_pressing(update: Update) -> PersonRow | None:
    """The person who pressed, with the press answered; None, answered as stale, for someone
    Foyer does not know (a button of before /forget)."""
    person = current_person()
    if person is None:
        await answer_stale(update)
    elif update.callback_query is not None:
        await update.callback_query.answer()
    return person


async def person_confirming(update: Update, confirmed: bool) -> PersonRow | None:
    """The person who pressed Yes on a confirmation; None when it was No (told that nothing
    changed) or when Foyer does not know them (answered as stale)."""
    person = await person_pressing(update)
    if person is not None and not confirmed:
        await edit(update, _("Good. Nothing has changed."))
        return None
    return person


def try_again_text() -> str:
    return _("Something went wrong on our side, please try again in a minute.")


def not_saved_text() -> str:
    return _("Not saved, please try again.")


async def tell_failure(update: Update, text: str) -> None:
    """Say that this update failed: as the pressed button's answer if it is still owed, else
    in the chat. Nothing here reads or writes the database, which may be what failed."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text, show_alert=True)
            return
        except TelegramError:
            pass  # the handler answered the button already: say it in the chat
    chat = update.effective_chat
    message = update.effective_message
    in_private = chat is not None and chat.type == ChatType.PRIVATE
    command = message is not None and (message.text or "").startswith("/")
    if chat is None or not (in_private or command or query is not None):
        return  # a group's conversation, not addressed to Foyer
    body, protect, quiet = shape(text, current_person())
    try:
        await chat.send_message(
            body, parse_mode=ParseMode.HTML, protect_content=protect, disable_notification=quiet
        )
    except TelegramError as exc:
        log.warning("failure.untold update=%s error=%s", update.update_id, type(exc).__name__)


_WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
# SQLite refuses these to writers only: a read-only or full database, a writer that waited out
# the busy timeout.
_WRITE_REFUSALS = ("readonly database", "database or disk is full", "database is locked")


def failed_write(err: BaseException | None) -> bool:
    """Did the database refuse a write (so the answer is "not saved")?"""
    if not isinstance(err, DBAPIError):
        return False
    words = (err.statement or "").split(None, 1)
    if words and words[0].upper() in _WRITE_VERBS:
        return True
    problem = str(err.orig).lower()
    return any(refusal in problem for refusal in _WRITE_REFUSALS)


def markup(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


def shape(text: str, person: PersonRow | None) -> tuple[str, bool, bool]:
    """(text, protect_content, disable_notification) as this person's discreet mode asks: a
    neutral first line (what previews show), no forwarding or saving, silent if chosen."""
    if person is None:
        return text, False, False
    if person.discreet:
        return discreet_text(text), True, person.silent
    return text, False, person.silent


async def remember(person: PersonRow | None, message: Message) -> None:
    """Note a reply so /erase and auto-erase can delete it later."""
    runtime = _runtime.get()
    if person is not None and runtime is not None:
        await remember_message(runtime, person, message.chat_id, message.message_id)


async def _send_shaped(
    update: Update,
    text: str,
    person: PersonRow | None,
    send: Callable[[Chat, str, bool, bool], Awaitable[Message]],
) -> None:
    """Send to the update's chat, shaped by the person's discreet mode, noted for erasing."""
    chat = update.effective_chat
    if chat is None:
        return
    who = person or current_person()
    body, protect, quiet = shape(text, who)
    await remember(who, await send(chat, body, protect, quiet))


async def reply(
    update: Update, text: str, buttons: Buttons | None = None, *, person: PersonRow | None = None
) -> None:
    """Answer in the chat the update came from (HTML; callers escape what people typed),
    shaped by the person's discreet mode and remembered for erasing."""

    def send(chat: Chat, body: str, protect: bool, quiet: bool) -> Awaitable[Message]:
        return chat.send_message(
            body,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(buttons),
            protect_content=protect,
            disable_notification=quiet,
        )

    await _send_shaped(update, text, person, send)


async def send_file(
    update: Update, data: bytes, filename: str, caption: str, *, person: PersonRow | None = None
) -> None:
    """A document for the person; a copy of someone's data is never forwarded from Foyer."""

    def send(chat: Chat, body: str, _protect: bool, quiet: bool) -> Awaitable[Message]:
        return chat.send_document(
            InputFile(data, filename=filename),
            caption=body,
            parse_mode=ParseMode.HTML,
            protect_content=True,
            disable_notification=quiet,
        )

    await _send_shaped(update, caption, person, send)


async def edit(
    update: Update, text: str, buttons: Buttons | None = None, *, person: PersonRow | None = None
) -> None:
    """Replace the message whose button was pressed, so old buttons cannot be pressed again."""
    query = update.callback_query
    if query is None:
        await reply(update, text, buttons, person=person)
        return
    body, _protect, _quiet = shape(text, person or current_person())
    # A voice message's buttons (the check-in, heard): its caption is what changes.
    media = isinstance(query.message, Message) and query.message.text is None
    params: dict[str, Any] = {"caption" if media else "text": body, "parse_mode": ParseMode.HTML}
    if query.inline_message_id is not None:
        params["inline_message_id"] = query.inline_message_id
    elif query.message is not None:
        params["chat_id"] = query.message.chat.id
        params["message_id"] = query.message.message_id
    else:
        await reply(update, text, buttons, person=person)
        return
    if (keyboard := bot_api.inline_keyboard(buttons)) is not None:
        params["reply_markup"] = keyboard
    try:
        # The edited message is not read: no telegram.Message is built from the answer.
        method = "editMessageCaption" if media else "editMessageText"
        await bot_api.call(query.get_bot(), method, params)
    except TelegramError:
        # Too old to edit, or already showing this text: say it in a new message instead.
        await reply(update, text, buttons, person=person)


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log ids and types only (never message text, names or phone numbers), tell the person
    their update failed, and run nothing more for it: a later handler group would answer as
    if the failed step had worked (or answer a second time)."""
    err = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # Where it failed, without the exception's message (which could quote what someone typed).
    frames = traceback.extract_tb(err.__traceback__) if err else []
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-4:]))
    log.error("handler.error update=%s error=%s at=%s", update_id, type(err).__name__, where)
    if not isinstance(update, Update):
        return  # a job, the sender or polling: nobody is waiting for an answer
    await tell_failure(update, not_saved_text() if failed_write(err) else try_again_text())
    raise ApplicationHandlerStop


async def ask_language(
    update: Update, telegram_lang: str | None, button: Callable[[str], str]
) -> None:
    """The first question of every invitation: the language, Telegram's own one listed first."""
    order = sorted(SUPPORTED_LANGUAGES, key=lambda lang: lang != (telegram_lang or "")[:2])
    await reply(
        update,
        _("Welcome! Which language do you want Foyer to use?"),
        language_buttons(order, button),
    )


def language_buttons(languages: list[str], button: Callable[[str], str]) -> Buttons:
    """One button per language, its name in its own language beside the speaking symbol."""
    return [
        [(symbols.label(symbols.LANGUAGE, LANGUAGE_NAMES[lang]), button(lang))]
        for lang in languages
    ]
