"""One claimed outbox message on its way out: shaped as its recipient chose (discreet,
silent), sent as one Bot API call, and noted for /erase once sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot

from bot.delivery.kinds.safety import discreet_text
from bot.delivery.render import NothingToSend, Outgoing
from bot.i18n import use_language
from bot.infra.bot_api import inline_keyboard, send_for_id
from bot.storage.outbox import Claimed

_MEDIA_METHODS = {"photo": "sendPhoto", "voice": "sendVoice", "audio": "sendAudio"}


def personal(item: Claimed, out: Outgoing, default_language: str) -> Outgoing:
    """Discreet mode and silent notifications, as the recipient chose them."""
    if item.discreet and out.programme:
        with use_language(item.language or default_language):
            text = discreet_text(out.text, weekly=item.week is not None)
        out = replace(out, text=text, protect_content=True)
    if item.silent:
        out = replace(out, disable_notification=True)
    return out


async def send(bot: Bot, chat_id: int, out: Outgoing) -> int:
    """The message's id in the chat; Telegram's errors as python-telegram-bot raises them."""
    params: dict[str, Any] = {"chat_id": chat_id, "parse_mode": "HTML"}
    if (markup := inline_keyboard(out.buttons)) is not None:
        params["reply_markup"] = markup
    # Absent, not False: Telegram's default, and one field less to encode and check.
    if out.protect_content:
        params["protect_content"] = True
    if out.disable_notification:
        params["disable_notification"] = True
    if out.media is None:
        params["text"] = out.text
        return await send_for_id(bot, "sendMessage", params)
    kind, file_id = out.media
    method = _MEDIA_METHODS.get(kind)
    if method is None:
        raise NothingToSend(kind)
    params[kind] = file_id
    if out.text:
        params["caption"] = out.text
    return await send_for_id(bot, method, params)


def erasable_row(
    item: Claimed, out: Outgoing, message_id: int, now: datetime
) -> dict[str, object] | None:
    """What /erase and auto-erase may delete later: programme messages to a person."""
    if not out.programme or item.person_id is None:
        return None
    hours = item.auto_erase_hours
    return {
        "person_id": item.person_id,
        "chat_id": item.chat_id,
        "message_id": message_id,
        "sent_at": now,
        "erase_at": now + timedelta(hours=hours) if hours else None,
    }
