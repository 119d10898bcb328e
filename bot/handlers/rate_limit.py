"""Each person's fair share: beyond FOYER_UPDATES_PER_MINUTE (20) updates a minute, a person's
updates are dropped unanswered, after one kind "please slow down" in their language. /help, the
help words and the safe word are always answered.

It runs in the update processor (bot/infra/update_order.py) before an update waits for anything, and
touches no database: a stranger's flood of 500 messages costs a dictionary lookup each, and
what is remembered (one small bucket per person who wrote within the last minute) is forgotten
once they are quiet. The language is Telegram's, for the same reason (no lookup of the
person's own choice).
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.domain.limits import UpdateBuckets
from bot.handlers.safety import is_help_request
from bot.i18n import _, pick_language, use_language

log = logging.getLogger(__name__)

# Button presses refused in one flood that are still answered (so no spinner is left turning):
# a few answers are cheap, five hundred would be the flood's cost all over again.
ANSWERED_PRESSES = 10


class PersonRateLimit:
    def __init__(self, *, per_minute: int, safe_word: str | None, default_language: str) -> None:
        self._safe_word = safe_word
        self._default_language = default_language
        # per_minute at once, then per_minute a minute: a quick run of taps (a join, a
        # check-in) is not held back; only a flood is.
        self.buckets = UpdateBuckets(per_minute, 60.0)

    def admit(
        self, update: object, coroutine: Coroutine[Any, Any, Any]
    ) -> Coroutine[Any, Any, Any] | None:
        """The update's own coroutine, a short answer in its place, or None (dropped)."""
        if not isinstance(update, Update):
            return coroutine
        user = update.effective_user
        if user is None or user.is_bot or self._always_answered(update):
            return coroutine
        refused = self.buckets.take(user.id)
        if not refused:
            return coroutine
        coroutine.close()  # never run: no handler, no database
        if refused == 1:
            log.info("updates.slowed update=%s", update.update_id)
            return self._slow_down(update)
        if update.callback_query is not None and refused <= 1 + ANSWERED_PRESSES:
            return self._answer_press(update)
        return None

    def _always_answered(self, update: Update) -> bool:
        message = update.effective_message
        if message is None or update.callback_query is not None:
            return False
        text = message.text or message.caption
        return bool(text) and is_help_request(text or "", self._safe_word)

    def _language(self, update: Update) -> str:
        user = update.effective_user
        code = user.language_code if user is not None else None
        return pick_language(None, code, self._default_language)

    async def _slow_down(self, update: Update) -> None:
        with use_language(self._language(update)):
            try:
                if update.callback_query is not None:
                    await update.callback_query.answer(
                        _("You are pressing very fast. Please wait a moment, then try again.")
                    )
                    return
                chat = update.effective_chat
                if chat is None or chat.type != ChatType.PRIVATE:
                    return  # nothing said in a group: the person is told nothing in front of it
                await update.get_bot().send_message(
                    chat.id,
                    _(
                        "You are sending messages faster than I can read them, so I am "
                        "skipping some for a moment. Please wait a minute, then write again. "
                        "If you need help now, send /help."
                    ),
                )
            except TelegramError as exc:
                log.warning("updates.slow_down_failed error=%s", type(exc).__name__)

    @staticmethod
    async def _answer_press(update: Update) -> None:
        assert update.callback_query is not None
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.warning("updates.press_answer_failed error=%s", type(exc).__name__)
