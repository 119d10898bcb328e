"""/broadcast (text, photo, voice note, audio) and /remind: preview, confirm, then the outbox."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, filters

from bot.delivery.kinds.facilitator import broadcast as render_broadcast
from bot.delivery.kinds.facilitator import remind as render_remind
from bot.domain.buttons.staff import (
    BroadcastTo,
    CancelBroadcast,
    RemindAt,
    RemindFor,
    RemindWhen,
    SendBroadcast,
)
from bot.domain.policy import Unavailable
from bot.domain.schedule import to_utc
from bot.domain.typed_time import parse_moment
from bot.handlers.common import edit, reply, rt
from bot.handlers.dialogue import Awaiting, Question, answers_typed, expect, forget
from bot.handlers.facilitator_pick import picking_command
from bot.handlers.routing import answer_stale, answers
from bot.handlers.staff_auth import (
    Context,
    group_action,
    opens,
    telegram_id,
)
from bot.i18n import _, current_language, format_when, ngettext
from bot.services import broadcasts, group_admin
from bot.services.broadcasts import CAPTION_LIMIT, TEXT_LIMIT
from bot.services.staff_access import Facilitating
from bot.storage.broadcasts import BroadcastRow
from bot.storage.outbox import Claimed


async def start_broadcast(update: Update, context: Context, f: Facilitating) -> None:
    g = f.group
    expect(context, f.telegram_id, Awaiting(Question.BROADCAST, g.id))
    await edit(
        update,
        _(
            "Send the message for <b>{group}</b>: a text, a photo, a voice note or an audio "
            "file. You will see it before it goes out. Send /cancel to stop."
        ).format(group=html.escape(g.name)),
    )


def _content(message: Message) -> tuple[str, str | None, str | None] | None:
    """(kind, text, file_id) of what the facilitator sent, or None if Foyer cannot send it."""
    if message.voice is not None:
        return "voice", message.caption, message.voice.file_id
    if message.audio is not None:
        return "audio", message.caption, message.audio.file_id
    if message.photo:
        return "photo", message.caption, message.photo[-1].file_id
    if message.text:
        return "text", message.text, None
    return None


answers(BroadcastTo)(opens(start_broadcast))
broadcast_command = picking_command(BroadcastTo, start_broadcast)


@answers_typed(Question.BROADCAST, wants_text=False)
async def broadcast_typed(
    update: Update, context: Context, awaiting: Awaiting, f: Facilitating, _text: str
) -> None:
    message = update.effective_message
    uid = f.telegram_id
    assert message is not None
    content = _content(message)
    if content is None:
        expect(context, uid, awaiting)
        await reply(update, _("Please send a text, a photo, a voice note or an audio file."))
        return
    kind, text, file_id = content
    limit = TEXT_LIMIT if kind == "text" else CAPTION_LIMIT
    if text is not None and len(text) > limit:
        expect(context, uid, awaiting)
        await reply(
            update,
            _("This is too long: please keep it under {n} characters.").format(n=limit),
        )
        return
    row = await broadcasts.draft(rt(context), f, kind=kind, text=text, file_id=file_id)
    await _preview(update, context, f, row)


async def _preview(update: Update, context: Context, f: Facilitating, row: BroadcastRow) -> None:
    """Show exactly what members will see, then ask to send or cancel."""
    uid = f.telegram_id
    runtime = rt(context)
    o = await group_admin.overview_of(runtime, f.group)
    item = Claimed(
        id=0, chat_id=uid, kind="preview", week=None, ref=str(row.id), attempts=0,
        due_at=row.send_at or runtime.clock.now(), membership_id=None, language=None,
        discreet=False, silent=False, auto_erase_hours=None, person_id=None,
        group_id=row.group_id, group_name=o.group.name, curriculum_id=o.group.curriculum_id,
        timezone=o.group.timezone,
    )  # fmt: skip
    render = render_remind if row.kind == "reminder" else render_broadcast
    out = await render(item, runtime)
    chat = update.effective_chat
    assert chat is not None
    if out.media is None:
        await chat.send_message(out.text, parse_mode=ParseMode.HTML)
    else:
        kind, file_id = out.media
        send = {"photo": chat.send_photo, "voice": chat.send_voice, "audio": chat.send_audio}[kind]
        await send(file_id, caption=out.text, parse_mode=ParseMode.HTML)  # type: ignore[operator]
    question = ngettext(
        "This is the preview. Send it to the {n} member of <b>{group}</b>?",
        "This is the preview. Send it to the {n} members of <b>{group}</b>?",
        o.members,
    ).format(n=o.members, group=html.escape(o.group.name))
    if row.send_at is not None:
        question += "\n" + _("It will go out on {when}.").format(
            when=format_when(row.send_at, o.group.timezone)
        )
    await reply(
        update,
        question,
        [
            [
                (_("Send"), SendBroadcast(row.id).pack()),
                (_("Cancel"), CancelBroadcast(row.id).pack()),
            ]
        ],
    )


# A draft's buttons: already sent, cancelled, or not theirs, nothing happens and nothing is
# revealed (the stale answer). The service checks the draft is theirs: its id names no group.


@answers(CancelBroadcast)
async def on_cancel(update: Update, context: Context, b: CancelBroadcast) -> None:
    try:
        await broadcasts.cancel(rt(context), telegram_id(update), b.broadcast_id)
    except Unavailable:
        await answer_stale(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit(update, _("Cancelled. Nothing was sent."))


@answers(SendBroadcast)
async def on_send(update: Update, context: Context, b: SendBroadcast) -> None:
    try:
        row, n = await broadcasts.confirm(rt(context), telegram_id(update), b.broadcast_id)
    except Unavailable:
        await answer_stale(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    if row.kind == "reminder":
        await edit(update, _("Done. The reminder is planned."))
    else:
        await edit(
            update,
            ngettext(
                "Sending to {n} member. You will receive a summary when it is delivered.",
                "Sending to {n} members. You will receive a summary when it is delivered.",
                n,
            ).format(n=n),
        )


# --- /remind -----------------------------------------------------------------------------------


async def start_remind(update: Update, context: Context, f: Facilitating) -> None:
    g = f.group
    gid = g.id
    expect(context, f.telegram_id, Awaiting(Question.REMIND, gid))
    await edit(
        update,
        "\n\n".join(
            [
                _(
                    "When should members get a reminder of the next meeting of <b>{group}</b>?"
                ).format(group=html.escape(g.name)),
                _(
                    "Tap a choice, or type a time like 18:30 or tomorrow 9:00, in the group's "
                    "time zone ({timezone}). Send /cancel to stop."
                ).format(timezone=html.escape(g.timezone)),
            ]
        ),
        [
            [(_("In one hour"), RemindAt(gid, "h1").pack())],
            [(_("This evening at 18:00"), RemindAt(gid, "ev").pack())],
            [(_("Tomorrow at 08:00"), RemindAt(gid, "tm").pack())],
            [(_("3 hours before the meeting"), RemindAt(gid, "mb").pack())],
        ],
    )


answers(RemindFor)(opens(start_remind))
remind_command = picking_command(RemindFor, start_remind)


def remind_time(
    when: RemindWhen, now: datetime, timezone: str, meeting: datetime | None
) -> datetime | None:
    """The moment (UTC) of a one-off reminder; None when it would be in the past or too late."""
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    if when == "h1":
        at: datetime | None = now + timedelta(hours=1)
    elif when == "ev":
        at = to_utc(today, time(18, 0), tz)
        if at <= now:
            at = to_utc(today + timedelta(days=1), time(18, 0), tz)
    elif when == "tm":
        at = to_utc(today + timedelta(days=1), time(8, 0), tz)
    else:
        at = meeting - timedelta(hours=3) if meeting is not None else None
    if at is None or at <= now or (meeting is not None and at >= meeting):
        return None
    return at


@group_action(RemindAt)
async def on_remind_at(update: Update, context: Context, b: RemindAt, f: Facilitating) -> None:
    runtime = rt(context)
    o = await group_admin.overview_of(runtime, f.group)
    forget(context, f.telegram_id)
    at = remind_time(b.when, runtime.clock.now(), o.group.timezone, o.next_meeting)
    if at is None:
        await edit(
            update,
            _(
                "That time does not work: it is past, or after the next meeting. "
                "Send /remind to choose again."
            ),
        )
        return
    await _draft_reminder(update, context, f, at)


async def _draft_reminder(update: Update, context: Context, f: Facilitating, at: datetime) -> None:
    row = await broadcasts.draft(
        rt(context), f, kind="reminder", text=None, file_id=None, send_at=at
    )
    await _preview(update, context, f, row)


@answers_typed(Question.REMIND)
async def remind_typed(
    update: Update, context: Context, awaiting: Awaiting, f: Facilitating, text: str
) -> None:
    """A typed time for the reminder, read in the group's timezone and the person's language;
    the preview that follows says the day and time it will go out, to confirm or cancel."""
    uid = f.telegram_id
    runtime = rt(context)
    o = await group_admin.overview_of(runtime, f.group)
    now = runtime.clock.now()
    at = parse_moment(text, now, o.group.timezone, current_language())
    if at is None:
        expect(context, uid, awaiting)
        await reply(
            update,
            _("Sorry, I did not understand. Type a time like 18:30 or tomorrow 9:00 (or /cancel)."),
        )
        return
    if at <= now or (o.next_meeting is not None and at >= o.next_meeting):
        expect(context, uid, awaiting)
        shown = format_when(at, o.group.timezone)
        if o.next_meeting is None or at <= now:
            why = _("{when} is past. Please type a time still to come (or /cancel).")
        else:
            why = _(
                "{when} is after the next meeting ({meeting}). Please type an earlier time "
                "(or /cancel)."
            )
        meeting = format_when(o.next_meeting, o.group.timezone) if o.next_meeting else ""
        await reply(update, why.format(when=shown, meeting=meeting))
        return
    await _draft_reminder(update, context, f, at)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("broadcast", broadcast_command, filters=private))
    app.add_handler(CommandHandler("remind", remind_command, filters=private))
