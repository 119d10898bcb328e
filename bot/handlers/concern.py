"""/concern: feedback or a complaint, to the safeguarding focal points only (what a focal
point does with it is in concern_focal.py).

The choices ride in the button data; only the wait for the one free-text message is held in
memory, the one way every dialogue waits (bot/handlers/dialogue.py). Its text is read here, in
a handler group before every other dialogue's, for a concern and for a focal point's answer.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.delivery.kinds.safety import kind_label
from bot.domain.buttons.safety import ConcernStep
from bot.domain.distress import detect
from bot.domain.symbols import ANONYMOUS, COMPLAINT, FEEDBACK, GROUP, PERSON, PROGRAMME, label
from bot.handlers.common import Buttons, current_person, edit, is_private, reply, rt
from bot.handlers.concern_focal import cancel_row, relay_answer
from bot.handlers.dialogue import Awaiting, Question, deadline, expect, forget, waiting
from bot.handlers.routing import answer_stale, answers
from bot.handlers.safety import offer_help, resources_text
from bot.i18n import _, current_language, format_day, ngettext
from bot.services import concerns, safety

log = logging.getLogger(__name__)

TEXT_GROUP = -4  # after the safety interceptor (-5), before every dialogue (0)
_KINDS = {"f": "feedback", "c": "complaint"}
_ABOUT = {"f": "facilitator", "m": "member", "p": "programme"}


def _unavailable_text() -> str:
    return _(
        "This programme has not named a safeguarding contact in Foyer yet, so a concern cannot "
        "be sent here. Please speak to the programme's coordinator, or send /help to see where "
        "to find support."
    )


async def _refused(
    update: Update, context: ContextTypes.DEFAULT_TYPE, refusal: concerns.Refused
) -> None:
    """Why no concern can be sent now, and where help is in the meantime."""
    runtime = rt(context)
    if isinstance(refusal, concerns.TooMany):
        limit = runtime.concerns_raised.limit
        hours = max(1, math.ceil((refusal.again_at - runtime.clock.now()) / timedelta(hours=1)))
        why = " ".join(
            [
                ngettext(
                    "You have sent {n} concern today, as many as Foyer can take from one "
                    "person in a day.",
                    "You have sent {n} concerns today, as many as Foyer can take from one "
                    "person in a day.",
                    limit,
                ).format(n=limit),
                ngettext(
                    "You can send another one in about {n} hour.",
                    "You can send another one in about {n} hours.",
                    hours,
                ).format(n=hours),
                _("If it cannot wait, here is where to find help now."),
            ]
        )
    else:
        why = _(
            "Concerns can be sent here by the people taking part in the programme. If you need "
            "support, or you are worried about someone, here is where to find help."
        )
    res = await safety.resources_for(runtime, current_person(), current_language())
    await reply(update, "\n\n".join([why, resources_text(res)]))
    log.info("concerns.refused reason=%s", type(refusal).__name__)


async def concern_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not safety.focal_points(rt(context)):
        await reply(update, _unavailable_text())
        return
    user = update.effective_user
    assert user is not None
    forget(context, user.id, safety_only=True)  # a concern begun before starts again
    refusal = await concerns.may_raise(rt(context), user.id)
    if refusal is not None:
        await _refused(update, context, refusal)
        return
    text = "\n\n".join(
        [
            _("<b>Raise a concern</b>"),
            _(
                "You can send feedback or a complaint about a facilitator, a member or the "
                "programme. It goes only to the programme's safeguarding team, never to your "
                "group's facilitator, and you can stay anonymous."
            ),
            _("What do you want to send?"),
        ]
    )
    await reply(
        update,
        text,
        [
            [
                (label(FEEDBACK, _("Feedback")), ConcernStep("f").pack()),
                (label(COMPLAINT, _("Complaint")), ConcernStep("c").pack()),
            ],
            cancel_row(),
        ],
    )


@answers(ConcernStep)
async def on_concern_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, step: ConcernStep
) -> None:
    query = update.callback_query
    assert query is not None
    if not step.cancelled and not safety.focal_points(rt(context)):
        await answer_stale(update)
        return
    await query.answer()
    answers_so_far = step.answers
    if step.cancelled:
        if update.effective_user is not None:
            forget(context, update.effective_user.id, safety_only=True)
        await edit(update, _("Cancelled. Nothing was sent or kept."))
    elif len(answers_so_far) == 1:
        buttons: Buttons = [
            [(label(PERSON, _("A facilitator")), ConcernStep(answers_so_far + "f").pack())],
            [(label(GROUP, _("A member")), ConcernStep(answers_so_far + "m").pack())],
            [(label(PROGRAMME, _("The programme")), ConcernStep(answers_so_far + "p").pack())],
            cancel_row(),
        ]
        await edit(update, _("What is it about?"), buttons)
    elif len(answers_so_far) == 2:
        await edit(
            update,
            _(
                "Do you want to give your name? If you stay anonymous, the safeguarding team "
                "will not know who you are, but they can still answer you here."
            ),
            [
                [(label(ANONYMOUS, _("Stay anonymous")), ConcernStep(answers_so_far + "1").pack())],
                [(label(PERSON, _("Give my name")), ConcernStep(answers_so_far + "0").pack())],
                cancel_row(),
            ],
        )
    else:
        await _ask_for_text(update, context, answers_so_far)


async def _ask_for_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, answers_so_far: str
) -> None:
    user = update.effective_user
    assert user is not None
    refusal = await concerns.may_raise(rt(context), user.id)
    if refusal is not None:  # pressed on an old message, or a forged press
        await _refused(update, context, refusal)
        return
    concern_text = Awaiting(Question.CONCERN, value=answers_so_far, until=deadline(context))
    expect(context, user.id, concern_text)
    await edit(
        update,
        _(
            "Now write your {kind} in one message and send it. Say what happened, when, and "
            "who was involved, only as far as it is safe for you."
        ).format(kind=kind_label(_KINDS[answers_so_far[0]]).lower()),
        [cancel_row()],
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The free-text step of a concern or of a focal point's answer; else let it pass."""
    message = update.message
    user = update.effective_user
    if message is None or user is None or not is_private(update):
        return
    pending = waiting(context, user.id)
    if pending is None or not pending.question.safety:
        return  # nothing awaited, too late, or another dialogue's: treated like any other
    text = (message.text or "").strip()
    if not text:
        await reply(
            update,
            _("Please write it as a text message. Voice messages and photos cannot be sent."),
            [cancel_row()],
        )
        raise ApplicationHandlerStop
    if len(text) > concerns.MAX_TEXT:
        await reply(
            update,
            _("This is too long to send. Please shorten it to {limit} characters.").format(
                limit=concerns.MAX_TEXT
            ),
            [cancel_row()],
        )
        raise ApplicationHandlerStop
    forget(context, user.id)
    if pending.question is Question.CONCERN:
        await _submit(update, context, pending.value, text)
    else:
        await relay_answer(update, context, int(pending.value), text)
    raise ApplicationHandlerStop


async def _submit(
    update: Update, context: ContextTypes.DEFAULT_TYPE, value: str, text: str
) -> None:
    user = update.effective_user
    assert user is not None
    runtime = rt(context)
    done = await concerns.submit(
        runtime,
        telegram_id=user.id,
        language=current_language(),
        kind=_KINDS[value[0]],
        about=_ABOUT[value[1]],
        anonymous=value[2] == "1",
        text=text,
    )
    if not isinstance(done, concerns.Submitted):
        await _refused(update, context, done)
        return
    row = done.concern
    await reply(
        update,
        "\n\n".join(
            [
                _("Thank you. Your {kind} was sent to the safeguarding team.").format(
                    kind=kind_label(row.kind).lower()
                ),
                _("Your reference: <b>{reference}</b>").format(reference=row.reference),
                _(
                    "Expect an answer here within {days} days. Foyer keeps what you wrote only "
                    "until {day}, then deletes it."
                ).format(
                    days=done.response_days,
                    day=format_day(row.purge_after, "UTC", current_language()),
                ),
            ]
        ),
    )
    categories = detect(text)
    if categories:
        await offer_help(update, context, categories)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("concern", concern_command, filters=private))
    app.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND, on_text),
        group=TEXT_GROUP,
    )
