"""Who is writing: the first handler of every update finds the person and the language of the
answer. It sits above common.py and safety.py because a failed lookup still shows help."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.domain.distress import detect
from bot.handlers.common import begin_update, is_private, rt, tell_failure, try_again_text
from bot.handlers.safety import is_help_request, show_help
from bot.i18n import pick_language, set_language
from bot.services import participation
from bot.storage import people
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)

# Writing last_seen at most this often keeps a tap from costing two writes.
_SEEN_RESOLUTION = timedelta(hours=1)


async def load_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first for every update: find the person and set the language of the answer.

    If the lookup fails (the database is unreachable), nothing after this runs: a handler
    without the person would answer as if they were a stranger ("Foyer stores nothing about
    you") while their rows are still there.
    """
    runtime = rt(context)
    user = update.effective_user
    found: PersonRow | None = None
    begin_update(runtime, None)
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
    begin_update(runtime, found)
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
    message = update.effective_message
    text = (message.text or message.caption) if message is not None else None
    if not text or not is_private(update):
        return False
    if not (is_help_request(text, rt(context).settings.safe_word) or detect(text)):
        return False
    await show_help(update, context)
    return True
