"""One claimed outbox message on its way out: shaped as its recipient chose (discreet, silent,
read or listen), sent, and noted for /erase once sent.

A programme message whose item has a recording in the member's language goes as a voice
message when he listens (bot/domain/audio.py, VoiceMode):

- **Both**: the voice message with the whole text as its caption and the buttons. When the
  text is over Telegram's 1,024 characters of caption, the caption is the heading and the
  text follows at once, without a second notification, carrying the buttons.
- **Listen**: the voice message with the heading as its caption and the buttons, no more (the
  text follows only if even the heading cannot be a caption).
- **Read**, no recording, or a recording Telegram refused with no file to upload again: the
  text message, exactly as without voice.

The row is one outbox item with one key either way. It is recorded as sent once its last
message is; a voice message that went out before its text failed is recorded on the row
(``part_sent``, and for /erase), so the row's retry sends only the text, never the voice again.
A crash between the two sends repeats the voice once, as a crash may repeat any message in
flight (bot/delivery/sender.py).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot

from bot.delivery.kinds.safety import discreet_text
from bot.delivery.render import Buttons, NothingToSend, Outgoing
from bot.delivery.voice import VoiceSource, VoiceUnavailable, send_voice, voice_of_member
from bot.domain.audio import ITEM_OF_KIND, AudioKey, VoiceMode
from bot.domain.curriculum import CAPTION_LIMIT
from bot.i18n import use_language
from bot.infra.bot_api import inline_keyboard, send_for_id
from bot.runtime import Runtime
from bot.storage.outbox import Claimed

log = logging.getLogger(__name__)

_MEDIA_METHODS = {"photo": "sendPhoto", "voice": "sendVoice", "audio": "sendAudio"}
_TAG = re.compile(r"<[^>]*>")


def personal(item: Claimed, out: Outgoing, default_language: str) -> Outgoing:
    """Discreet mode and silent notifications, as the recipient chose them."""
    if item.discreet and out.programme:
        weekly = item.week is not None
        with use_language(item.language or default_language):
            text = discreet_text(out.text, weekly=weekly)
            title = discreet_text(out.title, weekly=weekly) if out.title else None
        out = replace(out, text=text, title=title, protect_content=True)
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


class PartlySent(Exception):
    """The row's voice message went out (``message_id``) and its text did not (``error``)."""

    def __init__(self, message_id: int, error: Exception) -> None:
        super().__init__(type(error).__name__)
        self.message_id = message_id
        self.error = error


@dataclass(frozen=True)
class Voiced:
    """How a message goes as voice: the voice message's caption and buttons, then the text
    (with the buttons) when it does not go as the caption."""

    caption: str | None
    buttons: Buttons
    then: Outgoing | None


def caption_fits(text: str) -> bool:
    """Telegram counts a caption's characters after formatting, in UTF-16 code units."""
    visible = html.unescape(_TAG.sub("", text))
    return len(visible.encode("utf-16-le")) // 2 <= CAPTION_LIMIT


def voiced(out: Outgoing, mode: VoiceMode) -> Voiced:
    """The message as voice for a member who listens (``mode`` Listen or Both)."""
    heading = out.title or out.text
    if mode is VoiceMode.BOTH and caption_fits(out.text):
        return Voiced(out.text, out.buttons, None)
    if mode is VoiceMode.LISTEN and caption_fits(heading):
        return Voiced(heading, out.buttons, None)
    # The text right after the voice, which already rang: no second notification.
    rest = replace(out, disable_notification=True)
    return Voiced(heading if caption_fits(heading) else None, [], rest)


async def voice_for(rt: Runtime, item: Claimed) -> tuple[VoiceSource, VoiceMode] | None:
    """The recording a member who listens receives for this row, and how; None: text."""
    audio_item = ITEM_OF_KIND.get(item.kind)
    if audio_item is None or item.person_id is None or not item.week or not item.curriculum_id:
        return None
    language = item.language or rt.settings.default_language
    key = AudioKey.of_week(item.curriculum_id, item.week, audio_item, language)
    return await voice_of_member(rt, item.voice_mode, key)


async def deliver(
    bot: Bot,
    rt: Runtime,
    item: Claimed,
    out: Outgoing,
    found: tuple[VoiceSource, VoiceMode] | None,
) -> tuple[int, ...]:
    """Send the row's message(s), as voice when ``found`` (voice_for); their ids in order, the
    last being the row's. PartlySent when a voice message went out and its text did not."""
    if found is None or not out.programme or out.media is not None:
        return (await send(bot, item.chat_id, out),)
    voice, mode = found
    shaped = voiced(out, mode)
    if item.part_sent is not None and shaped.then is not None:
        return (await send(bot, item.chat_id, shaped.then),)  # the voice went out before
    try:
        first = await send_voice(
            bot,
            rt,
            item.chat_id,
            voice,
            caption=shaped.caption,
            buttons=shaped.buttons,
            protect_content=out.protect_content,
            disable_notification=out.disable_notification,
        )
    except VoiceUnavailable:
        log.warning("sender.voice_unavailable outbox=%s key=%s", item.id, voice.key.text())
        return (await send(bot, item.chat_id, out),)
    if shaped.then is None:
        return (first,)
    try:
        return (first, await send(bot, item.chat_id, shaped.then))
    except Exception as exc:
        raise PartlySent(first, exc) from exc


def erasable_row(
    item: Claimed, programme: bool, message_id: int, now: datetime
) -> dict[str, object] | None:
    """What /erase and auto-erase may delete later: programme messages to a person."""
    if not programme or item.person_id is None:
        return None
    hours = item.auto_erase_hours
    return {
        "person_id": item.person_id,
        "chat_id": item.chat_id,
        "message_id": message_id,
        "sent_at": now,
        "erase_at": now + timedelta(hours=hours) if hours else None,
    }
