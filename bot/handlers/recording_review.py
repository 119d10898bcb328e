"""/review: a second person listens to a submitted recording and approves it, or rejects it
with a reason he types. Admins review every language, a recorder his own languages; nobody
reviews his own recording, even through a forged button.

The recorder hears of the review by a direct message, sent as the reviewer acts: he is staff
waiting on this answer, and a message that fails (he blocked the bot) costs nothing, since a
rejected item shows again in his /record list."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.domain.buttons.recording import ReviewAction, ReviewPage
from bot.domain.policy import StaffActionError
from bot.handlers import paging
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.dialogue import Awaiting, Question, deadline, expect
from bot.handlers.recording import recorder, refused_text, seconds_text
from bot.handlers.recording_texts import item_text, key_label, language_name
from bot.handlers.routing import answer_stale, answers
from bot.handlers.staff_auth import Context
from bot.i18n import _, current_language, use_language
from bot.services import recordings
from bot.services.recorders import Recorder
from bot.services.recordings import REASON_MAX, OwnRecording
from bot.storage.recordings import Recording

log = logging.getLogger(__name__)


def own_text() -> str:
    return _("You recorded this one: another person must review it.")


async def _pending_page(context: Context, who: Recorder, number: int) -> tuple[str, Buttons] | None:
    found = await recordings.reviewable(rt(context), who)
    p = paging.page(found, number)
    if p is None:
        return None
    if not found:
        return _("Nothing waits for your review."), []
    lines = [_("<b>Recordings waiting for review</b>"), *paging.title(p)]
    lines.append(_("Open one to listen to it, then approve or reject it."))
    buttons: Buttons = [
        [
            (
                f"🔊 {key_label(r.key)} ({seconds_text(r.duration)})",
                ReviewAction(ReviewAction.OPEN, r.id).pack(),
            )
        ]
        for r in p.items
    ]
    return "\n".join(lines), buttons + paging.nav(p, ReviewPage)


async def review_command(update: Update, context: Context) -> None:
    who = await recorder(update, context)
    if not who.reviews:
        await reply(update, refused_text())
        return
    shown = await _pending_page(context, who, 0)
    assert shown is not None
    await reply(update, *shown)


@answers(ReviewPage)
async def on_page(update: Update, context: Context, b: ReviewPage) -> None:
    who = await recorder(update, context)
    shown = await _pending_page(context, who, b.page) if who.reviews else None
    await paging.turn(update, shown)


def _review_buttons(recording_id: int) -> Buttons:
    return [
        [("🔊 " + _("Listen"), ReviewAction(ReviewAction.LISTEN, recording_id).pack())],
        [
            ("✅ " + _("Approve"), ReviewAction(ReviewAction.APPROVE, recording_id).pack()),
            ("❌ " + _("Reject"), ReviewAction(ReviewAction.REJECT, recording_id).pack()),
        ],
    ]


async def _send_voice(context: Context, who: Recorder, r: Recording) -> None:
    await context.bot.send_voice(who.telegram_id, r.file_id, caption=key_label(r.key))


@answers(ReviewAction)
async def on_review(update: Update, context: Context, b: ReviewAction) -> None:
    query = update.callback_query
    assert query is not None
    who = await recorder(update, context)
    try:
        r = await recordings.for_review(rt(context), who, b.recording_id)
    except OwnRecording:
        await query.answer(own_text(), show_alert=True)
        return
    except StaffActionError:
        await answer_stale(update)
        return
    await query.answer()
    if b.verb in (ReviewAction.OPEN, ReviewAction.LISTEN):
        await _send_voice(context, who, r)
    if b.verb == ReviewAction.OPEN:
        text = await item_text(rt(context), r.key)
        lines = [
            f"<b>{key_label(r.key)}</b> ({seconds_text(r.duration)})",
            _("Listen to the recording above. Does it say this, clearly?"),
            text[:3000],
        ]
        await edit(update, "\n\n".join(lines), _review_buttons(r.id))
    elif b.verb == ReviewAction.APPROVE:
        await _approve(update, context, who, r)
    elif b.verb == ReviewAction.REJECT:
        expect(
            context,
            who.telegram_id,
            Awaiting(Question.REJECT_REASON, value=str(r.id), until=deadline(context)),
        )
        await edit(
            update,
            _(
                "Why is it not right? Type the reason in a few words (at most {most} "
                "characters): the recorder will read it. Or send /cancel."
            ).format(most=REASON_MAX),
        )


def _next() -> Buttons:
    return [[("📝 " + _("Next recording"), ReviewPage().pack())]]


async def _approve(update: Update, context: Context, who: Recorder, r: Recording) -> None:
    try:
        done = await recordings.approve(rt(context), who, r.id, current_language())
    except StaffActionError:
        await edit(update, _("Someone else reviewed this recording already."), _next())
        return
    await edit(
        update,
        _("✅ Approved. Members who listen in {language} now hear it.").format(
            language=language_name(done.key.language)
        ),
        _next(),
    )
    await _tell_recorder(context, done)


async def on_reason(update: Update, context: Context, awaiting: Awaiting) -> None:
    """The reason a reviewer typed (recording_input.py took the question)."""
    who = await recorder(update, context)
    message = update.effective_message
    reason = ((message.text if message else None) or "").strip()
    if not reason or len(reason) > REASON_MAX:
        expect(context, who.telegram_id, awaiting)
        await reply(
            update,
            _("Please type the reason in at most {most} characters, or send /cancel.").format(
                most=REASON_MAX
            ),
        )
        return
    try:
        done = await recordings.reject(
            rt(context), who, int(awaiting.value), reason, current_language()
        )
    except OwnRecording:
        await reply(update, own_text())
        return
    except StaffActionError:
        await reply(update, _("Someone else reviewed this recording already."), _next())
        return
    await reply(update, _("❌ Rejected. The recorder is told why."), _next())
    await _tell_recorder(context, done)


async def _tell_recorder(context: Context, r: Recording) -> None:
    """The recorder's answer, in his language. The reason is his reviewer's words: sent to
    him, never logged."""
    found = await recordings.recorder_chat(rt(context), r)
    if found is None:
        return
    chat_id, language = found
    with use_language(language):
        label = html.escape(key_label(r.key))
        if r.reason is None:
            text = _("✅ Your recording of {item} was approved.").format(item=label)
        else:
            text = "\n\n".join(
                [
                    _("❌ Your recording of {item} was not approved.").format(item=label),
                    _("The reviewer's reason: {reason}").format(reason=html.escape(r.reason)),
                    _("Send /record to record it again."),
                ]
            )
    try:
        await context.bot.send_message(chat_id, text, parse_mode="HTML")
    except TelegramError as exc:
        log.warning("recording.notice_failed id=%s error=%s", r.id, type(exc).__name__)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("review", review_command, filters=private))
