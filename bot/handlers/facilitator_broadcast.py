"""/broadcast (text, photo, voice note, audio) and /remind: preview, confirm, then the outbox."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.domain.schedule import to_utc
from bot.domain.typed_time import parse_moment
from bot.handlers.callbacks import (
    ROUTES,
    broadcast_data,
    parse_broadcast,
    parse_remind,
    remind_data,
)
from bot.handlers.common import edit, reply, rt
from bot.handlers.facilitator_common import Awaiting, expect, forget, refuse
from bot.i18n import _, current_language, format_when, ngettext
from bot.services import broadcasts, group_admin
from bot.services.broadcasts import CAPTION_LIMIT, TEXT_LIMIT
from bot.storage.broadcasts import BroadcastRow
from bot.storage.groups import GroupRow


async def start_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE, g: GroupRow) -> None:
    expect(context, update.effective_user.id, Awaiting("broadcast", g.id))  # type: ignore[union-attr]
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


async def broadcast_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: Awaiting
) -> None:
    message = update.effective_message
    uid = update.effective_user.id  # type: ignore[union-attr]
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
    row = await broadcasts.draft(
        rt(context), uid, awaiting.group_id, kind=kind, text=text, file_id=file_id
    )
    if row is None:
        await refuse(update)
        return
    await _preview(update, context, row)


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, row: BroadcastRow) -> None:
    """Show exactly what members will see, then ask to send or cancel."""
    from bot.delivery.kinds.facilitator import broadcast as render_broadcast
    from bot.delivery.kinds.facilitator import remind as render_remind
    from bot.storage.outbox import Claimed

    uid = update.effective_user.id  # type: ignore[union-attr]
    runtime = rt(context)
    o = await group_admin.overview(runtime, uid, row.group_id)
    if o is None:
        await refuse(update)
        return
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
        [[(_("Send"), broadcast_data(row.id, True)), (_("Cancel"), broadcast_data(row.id, False))]],
    )


async def on_broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    parsed = parse_broadcast(query.data or "")
    if parsed is None:
        await query.answer(_("This button no longer works."))
        return
    bid, send = parsed
    uid = update.effective_user.id
    # Already sent, cancelled, or not theirs: nothing happens, nothing is revealed.
    if not send:
        if not await broadcasts.cancel(rt(context), uid, bid):
            await query.answer(_("This button no longer works."))
            return
        await query.answer()
        await edit(update, _("Cancelled. Nothing was sent."))
        return
    result = await broadcasts.confirm(rt(context), uid, bid)
    if result is None:
        await query.answer(_("This button no longer works."))
        return
    await query.answer()
    row, n = result
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


async def start_remind(update: Update, context: ContextTypes.DEFAULT_TYPE, g: GroupRow) -> None:
    gid = g.id
    expect(context, update.effective_user.id, Awaiting("remind", gid))  # type: ignore[union-attr]
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
            [(_("In one hour"), remind_data(gid, "h1"))],
            [(_("This evening at 18:00"), remind_data(gid, "ev"))],
            [(_("Tomorrow at 08:00"), remind_data(gid, "tm"))],
            [(_("3 hours before the meeting"), remind_data(gid, "mb"))],
        ],
    )


def remind_time(
    when: str, now: datetime, timezone: str, meeting: datetime | None
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


async def on_remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    parsed = parse_remind(query.data or "")
    if parsed is None:
        await query.answer(_("This button no longer works."))
        return
    gid, when = parsed
    uid = update.effective_user.id
    runtime = rt(context)
    o = await group_admin.overview(runtime, uid, gid)
    if o is None:
        await refuse(update)
        return
    await query.answer()
    forget(context, uid)
    at = remind_time(when, runtime.clock.now(), o.group.timezone, o.next_meeting)
    if at is None:
        await edit(
            update,
            _(
                "That time does not work: it is past, or after the next meeting. "
                "Send /remind to choose again."
            ),
        )
        return
    row = await broadcasts.draft(
        runtime, uid, gid, kind="reminder", text=None, file_id=None, send_at=at
    )
    if row is None:
        await refuse(update)
        return
    await _preview(update, context, row)


async def remind_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: Awaiting, text: str
) -> None:
    """A typed time for the reminder, read in the group's timezone and the person's language;
    the preview that follows says the day and time it will go out, to confirm or cancel."""
    uid = update.effective_user.id  # type: ignore[union-attr]
    runtime = rt(context)
    o = await group_admin.overview(runtime, uid, awaiting.group_id)
    if o is None:
        await refuse(update)
        return
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
    row = await broadcasts.draft(
        runtime, uid, awaiting.group_id, kind="reminder", text=None, file_id=None, send_at=at
    )
    if row is None:
        await refuse(update)
        return
    await _preview(update, context, row)


async def broadcast_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.handlers.facilitator_input import pick_group

    await pick_group(update, context, "b")


async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.handlers.facilitator_input import pick_group

    await pick_group(update, context, "r")


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("broadcast", broadcast_command, filters=private))
    app.add_handler(CommandHandler("remind", remind_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_broadcast_button, pattern=ROUTES["fac_broadcast"]))
    app.add_handler(CallbackQueryHandler(on_remind, pattern=ROUTES["fac_remind"]))
