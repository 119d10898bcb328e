"""Cross-cutting handler work: who is writing, in which language, and how we answer."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import bot_api
from bot.i18n import LANGUAGE_NAMES, _, pick_language, set_language
from bot.runtime import Runtime, runtime_of
from bot.services import participation
from bot.settings import SUPPORTED_LANGUAGES
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
    """Runs first for every update: find the person and set the language of the answer."""
    runtime = rt(context)
    user = update.effective_user
    found: PersonRow | None = None
    if user is not None and not user.is_bot:
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
    _person.set(found)
    _runtime.set(runtime)
    set_language(
        pick_language(
            found.language if found else None,
            user.language_code if user else None,
            runtime.settings.default_language,
        )
    )


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
    """Log ids and types only: never message text, names or phone numbers."""
    err = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # Where it failed, without the exception's message (which could quote what someone typed).
    frames = traceback.extract_tb(err.__traceback__) if err else []
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-4:]))
    log.error("handler.error update=%s error=%s at=%s", update_id, type(err).__name__, where)


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
