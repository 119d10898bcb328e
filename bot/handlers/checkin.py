"""The weekly check-in: Done / Partly / Not yet, stored as a value, never as text (and the
storing of the couples' check-in too, whose answers partner.py gives). The tip after Partly or
Not yet comes as voice too for a member who listens, when his language has its recording."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.voice import VoiceUnavailable, send_voice, voice_of_member
from bot.domain.audio import AudioItem, AudioKey, VoiceMode
from bot.domain.buttons.member import CheckIn, CouplesCheckIn
from bot.domain.curriculum import context_key
from bot.domain.outbox_kinds import OutboxKind
from bot.handlers.common import current_person, edit, reply, rt
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _, content_text
from bot.services import participation
from bot.services.privacy import remember_message

log = logging.getLogger(__name__)


async def recorded(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    answer: CheckIn | CouplesCheckIn,
    kind: OutboxKind = OutboxKind.CHECKIN,
) -> str | None:
    """Store the press if the button is this person's, and thank them: the curriculum id. None,
    answered as stale, for someone else's button, an old one, or someone Foyer does not know."""
    person = current_person()
    cur_id = None
    if person is not None:
        cur_id = await participation.record_checkin(
            rt(context), person.id, answer.membership_id, answer.week, answer.value, kind=kind
        )
    if cur_id is None:
        await answer_stale(update)
        return None
    assert update.callback_query is not None
    await update.callback_query.answer(_("Thank you!"))
    return cur_id


@answers(CheckIn)
async def on_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: CheckIn) -> None:
    cur_id = await recorded(update, context, answer)
    if cur_id is None:
        return
    if answer.value == "done":
        await edit(update, _("Well done! Thank you for trying this week's challenge."))
        return
    runtime = rt(context)
    week = runtime.curricula[cur_id].get_week(answer.week)
    tip = content_text(context_key(cur_id, answer.week, "tip"), week.tip or "")
    text = _("Thank you for being honest. Here is an idea that may help:")
    whole = f"{text}\n\n{tip}" if tip else text
    person = current_person()
    heard = None
    if person is not None:
        key = AudioKey.of_week(cur_id, answer.week, AudioItem.TIP, person.language)
        heard = await voice_of_member(runtime, person.voice_mode, key)
    if person is None or heard is None:
        await edit(update, whole)
        return
    voice, mode = heard
    # Listen: the tip is heard, not read; Both: read above its voice.
    await edit(update, text if mode is VoiceMode.LISTEN else whole)
    try:
        message_id = await send_voice(
            context.bot,
            runtime,
            person.telegram_id,
            voice,
            protect_content=person.discreet,
            disable_notification=person.silent,
        )
    except (VoiceUnavailable, TelegramError) as exc:
        log.warning(
            "checkin.tip_voice_failed key=%s error=%s", voice.key.text(), type(exc).__name__
        )
        if mode is VoiceMode.LISTEN and tip:
            await reply(update, tip)
        return
    await remember_message(runtime, person, person.telegram_id, message_id)
