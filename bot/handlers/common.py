"""Cross-cutting handler work: who is writing, in which language, and how we answer."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n import LANGUAGE_NAMES, _, pick_language, set_language
from bot.infra import bot_api
from bot.runtime import Runtime, runtime_of
from bot.services import participation
from bot.storage import people
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]
_person: ContextVar[PersonRow | None] = ContextVar("foyer_person", default=None)
_runtime: ContextVar[Runtime | None] = ContextVar("foyer_runtime", default=None)

# Writing last_seen at most this often keeps a tap from costing two writes.
_SEEN_RESOLUTION = timedelta(hours=1)


def current_person() -> PersonRow | None:
    return _person.get()


def rt(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return runtime_of(context.application)


async def load_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first for every update: find the person and set the language of the answer.

    If the lookup fails (the database is unreachable), nothing after this runs: a handler
    without the person would answer as if they were a stranger ("Foyer stores nothing about
    you") while their rows are still there.
    """
    runtime = rt(context)
    user = update.effective_user
    found: PersonRow | None = None
    _person.set(None)
    _runtime.set(runtime)
    if user is not None and not user.is_bot:
        try:
            found = await participation.find_person(runtime, user.id)
            now = runtime.clock.now()
            if found is not None and found.blocked:
                # Writing to us undoes a block: clear it before anything is sent to them.
                async with runtime.engine.begin() as conn:
                    await people.touch(conn, found.id, now)
            elif found is not None and (
                found.last_seen_at is None or now - found.last_seen_at > _SEEN_RESOLUTION
            ):
                runtime.seen.note(found.id, now)
        except Exception as exc:
            await _lookup_failed(update, context, exc)
            raise ApplicationHandlerStop from exc
    _person.set(found)
    set_language(
        pick_language(
            found.language if found else None,
            user.language_code if user else None,
            runtime.settings.default_language,
        )
    )


async def _lookup_failed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, exc: Exception
) -> None:
    """Who wrote is unknown: answer in Telegram's language, and never as if we knew them."""
    user = update.effective_user
    set_language(
        pick_language(
            None, user.language_code if user else None, rt(context).settings.default_language
        )
    )
    log.error("person.lookup_failed update=%s error=%s", update.update_id, type(exc).__name__)
    if not await _help_anyway(update, context):
        await tell_failure(update, try_again_text())


async def _help_anyway(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Help, always: a help word, the safe word or distress words still get the help
    resources, which need nobody's record."""
    from bot.domain.distress import detect
    from bot.handlers.safety import is_help_request, show_help  # safety imports this module

    message = update.effective_message
    text = (message.text or message.caption) if message is not None else None
    if not text or not is_private(update):
        return False
    if not (is_help_request(text, rt(context).settings.safe_word) or detect(text)):
        return False
    await show_help(update, context)
    return True


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
    from bot.delivery.kinds.safety import discreet_text

    if person is None:
        return text, False, False
    if person.discreet:
        return discreet_text(text), True, person.silent
    return text, False, person.silent


async def remember(person: PersonRow | None, message: Message) -> None:
    """Note a reply so /erase and auto-erase can delete it later."""
    runtime = _runtime.get()
    if person is not None and runtime is not None:
        from bot.services.privacy import remember_message

        await remember_message(runtime, person, message.chat_id, message.message_id)


async def reply(
    update: Update, text: str, buttons: Buttons | None = None, *, person: PersonRow | None = None
) -> None:
    """Answer in the chat the update came from (HTML; callers escape what people typed),
    shaped by the person's discreet mode and remembered for erasing."""
    chat = update.effective_chat
    if chat is None:
        return
    who = person or current_person()
    body, protect, quiet = shape(text, who)
    sent = await chat.send_message(
        body,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(buttons),
        protect_content=protect,
        disable_notification=quiet,
    )
    await remember(who, sent)


async def edit(
    update: Update, text: str, buttons: Buttons | None = None, *, person: PersonRow | None = None
) -> None:
    """Replace the message whose button was pressed, so old buttons cannot be pressed again."""
    query = update.callback_query
    if query is None:
        await reply(update, text, buttons, person=person)
        return
    body, _protect, _quiet = shape(text, person or current_person())
    params: dict[str, Any] = {"text": body, "parse_mode": ParseMode.HTML}
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
        await bot_api.call(query.get_bot(), "editMessageText", params)
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
        [[(LANGUAGE_NAMES[lang], button(lang))] for lang in order],
    )
