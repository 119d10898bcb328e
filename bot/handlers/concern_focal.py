"""What a safeguarding focal point does with a concern: open it, mark it received or closed,
and answer the reporter without either side learning who the other is."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.kinds.safety import concern_detail, discreet_text
from bot.domain.buttons.safety import ConcernStep, FocalAction
from bot.domain.symbols import NO, label
from bot.handlers.common import markup, reply, rt
from bot.handlers.dialogue import Awaiting, Question, deadline, expect
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _, use_language
from bot.services import concerns, privacy, safety

log = logging.getLogger(__name__)


def cancel_row() -> list[tuple[str, str]]:
    """The Cancel button under every step of the safety dialogues (a concern, an answer)."""
    return [(label(NO, _("Cancel")), ConcernStep("x").pack())]


async def relay_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, concern_id: int, text: str
) -> None:
    """Send a focal point's words to the reporter. Neither side learns the other's identity."""
    user = update.effective_user
    assert user is not None
    runtime = rt(context)
    reporter = await concerns.reporter_of(runtime, user.id, concern_id)
    row = await concerns.get(runtime, concern_id)
    if reporter is None or row is None:
        await reply(
            update,
            _(
                "This answer cannot be delivered: the person asked to be forgotten or the concern "
                "was deleted."
            ),
        )
        return
    with use_language(reporter.language):
        body = "\n\n".join(
            [
                _("<b>An answer about your concern {reference}</b>").format(
                    reference=row.reference
                ),
                html.escape(text),
                _("To reply, send /concern and mention your reference."),
            ]
        )
        if reporter.discreet:
            body = discreet_text(body)
    try:
        sent = await context.bot.send_message(
            reporter.telegram_id,
            body,
            parse_mode=ParseMode.HTML,
            protect_content=True,
            disable_notification=reporter.silent,
        )
    except TelegramError as exc:
        log.warning("concerns.answer_failed concern=%s error=%s", concern_id, type(exc).__name__)
        await reply(
            update,
            _("The answer could not be delivered. The person may have blocked Foyer."),
        )
        return
    await privacy.remember_message(runtime, reporter, sent.chat_id, sent.message_id)
    log.info("concerns.answered concern=%s", concern_id)
    await reply(
        update,
        _("Your answer was sent to the reporter of {reference}.").format(reference=row.reference),
    )


@answers(FocalAction)
async def on_focal_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: FocalAction
) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    runtime = rt(context)
    if not safety.is_focal_point(runtime, user.id):
        await answer_stale(update)
        return
    if action.verb == "o":
        await _open(update, context, action.concern_id)
    elif action.verb == "a":
        await _ask_for_answer(update, context, action.concern_id)
    else:
        await _mark(
            update, context, action.concern_id, "received" if action.verb == "r" else "closed"
        )


async def _ask_for_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, concern_id: int
) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    row = await concerns.get(rt(context), concern_id)
    if row is None or row.reporter_id is None:
        await query.answer(_("This concern can no longer be answered."))
        return
    await query.answer()
    answer = Awaiting(Question.CONCERN_ANSWER, value=str(concern_id), until=deadline(context))
    expect(context, user.id, answer)
    await reply(
        update,
        _(
            "Write your answer to {reference} in one message. The reporter receives it "
            "from Foyer and does not see who you are."
        ).format(reference=row.reference),
        [cancel_row()],
    )


async def _mark(
    update: Update, context: ContextTypes.DEFAULT_TYPE, concern_id: int, status: str
) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    marked = await concerns.mark(rt(context), user.id, concern_id, status)
    if marked is None:
        await query.answer(_("Nothing changed: it was already marked."))
        return
    await query.answer(_("Done."))
    text = (
        _("Concern {reference} marked received. The reporter has been told.")
        if status == "received"
        else _("Concern {reference} closed. The reporter has been told.")
    )
    await reply(update, text.format(reference=marked.reference))


async def _open(update: Update, context: ContextTypes.DEFAULT_TYPE, concern_id: int) -> None:
    """A focal point opens one of the concerns a notification counted."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    runtime = rt(context)
    row = await concerns.get(runtime, concern_id)
    if row is None:
        await query.answer(_("This concern no longer exists: it was deleted."))
        return
    await query.answer()
    shown = await concern_detail(runtime, row)
    await context.bot.send_message(
        chat.id,
        shown.text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(shown.buttons),
        protect_content=True,
    )
    log.info("concerns.opened concern=%s", concern_id)
