"""Hearing a screen instead of reading it: the 🔊 Listen button of the joining screens (the
consent, the code of conduct) and the recordings sent without asking (the notice about
Bambara text). Informed consent read aloud is how consent is taken with people who read
little.

The screen and its buttons stay as they are; the recording arrives as a new message below,
carrying the screen's own answers (yes / no), so a man who listened answers under what he
heard. Only approved recordings are ever sent (`find_voice`); with none in his language,
there is no 🔊 button.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.delivery.voice import VoiceUnavailable, find_voice, send_voice
from bot.domain import symbols
from bot.domain.audio import AudioKey
from bot.handlers.common import Buttons, current_person, rt
from bot.i18n import _
from bot.runtime import Runtime
from bot.services.privacy import remember_message

log = logging.getLogger(__name__)


def listen_label() -> str:
    return symbols.label(symbols.LISTEN, _("Listen"))


async def listen_row(runtime: Runtime, key: AudioKey, data: str) -> Buttons:
    """The 🔊 row for a screen when its recording exists in that language, else no row."""
    if await find_voice(runtime, key) is None:
        return []
    return [[(listen_label(), data)]]


async def send_recording(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: AudioKey, buttons: Buttons | None
) -> bool:
    """Send the recording of ``key`` below, with ``buttons``; False when there is none."""
    chat = update.effective_chat
    runtime = rt(context)
    voice = await find_voice(runtime, key)
    if chat is None or voice is None:
        return False
    person = current_person()
    try:
        message_id = await send_voice(
            context.bot,
            runtime,
            chat.id,
            voice,
            buttons=buttons,
            protect_content=person is not None and person.discreet,
            disable_notification=person is not None and person.silent,
        )
    except VoiceUnavailable:
        log.warning("hearing.unavailable key=%s", key.text())
        return False
    if person is not None:
        await remember_message(runtime, person, chat.id, message_id)
    log.info("hearing.sent key=%s update=%s", key.text(), update.update_id)
    return True
