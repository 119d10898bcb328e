"""/concern: feedback or a complaint, to the safeguarding focal points only; and what a focal
point does with it (received, closed, answer the reporter without learning who they are).

The choices ride in the button data; only the wait for the one free-text message is held in
memory (user_data), for a short time, and a restart simply forgets it.
"""

from __future__ import annotations

import html
import logging
import math
from datetime import timedelta

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.delivery.kinds.safety import concern_detail, discreet_text, kind_label
from bot.domain.distress import detect
from bot.handlers import discreet
from bot.handlers.callbacks import ROUTES, parse_safety, safety_data
from bot.handlers.common import Buttons, current_person, is_private, markup, rt
from bot.handlers.safety import (
    AWAITING_KEY,
    awaiting,
    cancel_awaiting,
    offer_help,
    resources_text,
)
from bot.i18n import _, current_language, format_day, ngettext, use_language
from bot.services import concerns, privacy, safety

log = logging.getLogger(__name__)

TEXT_GROUP = -4  # after the safety interceptor (-5), before every dialogue (0)
WAIT_FOR_TEXT = timedelta(minutes=30)
_KINDS = {"f": "feedback", "c": "complaint"}
_ABOUT = {"f": "facilitator", "m": "member", "p": "programme"}


def _cancel_row() -> list[tuple[str, str]]:
    return [(_("Cancel"), safety_data("concern", "x"))]


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
    await discreet.send(update, context, "\n\n".join([why, resources_text(res)]))
    log.info("concerns.refused reason=%s", type(refusal).__name__)


async def concern_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not concerns.recipients(rt(context)):
        await discreet.send(update, context, _unavailable_text())
        return
    cancel_awaiting(context)
    user = update.effective_user
    assert user is not None
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
    await discreet.send(
        update,
        context,
        text,
        [
            [
                (_("Feedback"), safety_data("concern", "f")),
                (_("Complaint"), safety_data("concern", "c")),
            ],
            _cancel_row(),
        ],
    )


async def on_concern_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    value = parse_safety("concern", query.data or "")
    if value is None or (value != "x" and not concerns.recipients(rt(context))):
        await query.answer(_("This button no longer works."))
        return
    await query.answer()
    if value == "x":
        cancel_awaiting(context)
        await discreet.edit(update, context, _("Cancelled. Nothing was sent or kept."))
        return
    if len(value) == 1:
        buttons: Buttons = [
            [(_("A facilitator"), safety_data("concern", value + "f"))],
            [(_("A member"), safety_data("concern", value + "m"))],
            [(_("The programme"), safety_data("concern", value + "p"))],
            _cancel_row(),
        ]
        await discreet.edit(update, context, _("What is it about?"), buttons)
    elif len(value) == 2:
        await discreet.edit(
            update,
            context,
            _(
                "Do you want to give your name? If you stay anonymous, the safeguarding team "
                "will not know who you are, but they can still answer you here."
            ),
            [
                [(_("Stay anonymous"), safety_data("concern", value + "1"))],
                [(_("Give my name"), safety_data("concern", value + "0"))],
                _cancel_row(),
            ],
        )
    else:
        user = update.effective_user
        assert context.user_data is not None and user is not None
        refusal = await concerns.may_raise(rt(context), user.id)
        if refusal is not None:  # pressed on an old message, or a forged press
            await _refused(update, context, refusal)
            return
        context.user_data[AWAITING_KEY] = (
            "concern",
            value,
            rt(context).clock.now() + WAIT_FOR_TEXT,
        )
        await discreet.edit(
            update,
            context,
            _(
                "Now write your {kind} in one message and send it. Say what happened, when, and "
                "who was involved, only as far as it is safe for you."
            ).format(kind=kind_label(_KINDS[value[0]]).lower()),
            [_cancel_row()],
        )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The free-text step of a concern or of a focal point's answer; else let it pass."""
    data = context.user_data
    pending = data.get(AWAITING_KEY) if data is not None else None
    message = update.message
    if pending is None or message is None or not is_private(update):
        return
    if not awaiting(context):
        return  # too late: the message is treated like any other
    what, value, _until = pending
    assert data is not None
    text = (message.text or "").strip()
    if not text:
        await discreet.send(
            update,
            context,
            _("Please write it as a text message. Voice messages and photos cannot be sent."),
            [_cancel_row()],
        )
        raise ApplicationHandlerStop
    if len(text) > concerns.MAX_TEXT:
        await discreet.send(
            update,
            context,
            _("This is too long to send. Please shorten it to {limit} characters.").format(
                limit=concerns.MAX_TEXT
            ),
            [_cancel_row()],
        )
        raise ApplicationHandlerStop
    data.pop(AWAITING_KEY, None)
    if what == "concern":
        await _submit(update, context, value, text)
    else:
        await _relay_answer(update, context, int(value), text)
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
    await discreet.send(
        update,
        context,
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


async def _relay_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, concern_id: int, text: str
) -> None:
    """Send a focal point's words to the reporter. Neither side learns the other's identity."""
    user = update.effective_user
    assert user is not None
    runtime = rt(context)
    reporter = await concerns.reporter_of(runtime, user.id, concern_id)
    row = await concerns.get(runtime, concern_id)
    if reporter is None or row is None:
        await discreet.send(
            update,
            context,
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
        await discreet.send(
            update,
            context,
            _("The answer could not be delivered. The person may have blocked Foyer."),
        )
        return
    await privacy.remember_message(runtime, reporter, sent.chat_id, sent.message_id)
    log.info("concerns.answered concern=%s", concern_id)
    await discreet.send(
        update,
        context,
        _("Your answer was sent to the reporter of {reference}.").format(reference=row.reference),
    )


async def on_focal_action(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    value = parse_safety("focal", query.data or "")
    runtime = rt(context)
    if value is None or not concerns.is_focal_point(runtime, user.id):
        await query.answer(_("This button no longer works."))
        return
    action, _sep, number = value.partition(":")
    concern_id = int(number)
    if action == "o":
        await _open(update, context, concern_id)
        return
    if action == "a":
        row = await concerns.get(runtime, concern_id)
        if row is None or row.reporter_id is None:
            await query.answer(_("This concern can no longer be answered."))
            return
        await query.answer()
        assert context.user_data is not None
        context.user_data[AWAITING_KEY] = (
            "answer",
            str(concern_id),
            runtime.clock.now() + WAIT_FOR_TEXT,
        )
        await discreet.send(
            update,
            context,
            _(
                "Write your answer to {reference} in one message. The reporter receives it "
                "from Foyer and does not see who you are."
            ).format(reference=row.reference),
            [_cancel_row()],
        )
        return
    status = "received" if action == "r" else "closed"
    marked = await concerns.mark(runtime, user.id, concern_id, status)
    if marked is None:
        await query.answer(_("Nothing changed: it was already marked."))
        return
    await query.answer(_("Done."))
    text = (
        _("Concern {reference} marked received. The reporter has been told.")
        if status == "received"
        else _("Concern {reference} closed. The reporter has been told.")
    )
    await discreet.send(update, context, text.format(reference=marked.reference))


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


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("concern", concern_command, filters=private))
    app.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND, on_text),
        group=TEXT_GROUP,
    )
    app.add_handler(CallbackQueryHandler(on_concern_step, pattern=ROUTES["concern"]))
    app.add_handler(CallbackQueryHandler(on_focal_action, pattern=ROUTES["focal"]))
