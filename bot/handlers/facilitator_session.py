"""The session log: after each meeting, "did it take place?" and "how many came?" (counts)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.handlers.callbacks import (
    ROUTES,
    parse_session,
    session_count_data,
    session_held_data,
)
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.facilitator_common import Awaiting, expect, forget, refuse
from bot.i18n import _, ngettext
from bot.services import group_admin

_COUNTS = range(1, 21)


def _count_buttons(group_id: int, week: int) -> Buttons:
    row: list[tuple[str, str]] = []
    rows: Buttons = []
    for n in _COUNTS:
        row.append((str(n), session_count_data(group_id, week, n)))
        if len(row) == 5:
            rows.append(row)
            row = []
    return rows


async def on_session(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    answer = parse_session(query.data or "")
    if answer is None:
        await query.answer(_("This button no longer works."))
        return
    uid = update.effective_user.id
    if answer.held is True:
        # Held: record it now, then ask for the count (buttons or a typed number).
        g = await group_admin.record_session(
            rt(context), uid, answer.group_id, answer.week, held=True, attendance=None
        )
        if g is None:
            await refuse(update)
            return
        await query.answer()
        expect(context, uid, Awaiting("attendance", answer.group_id, answer.week))
        await edit(
            update,
            _("How many members came? Tap a number, or type it if it is not here."),
            _count_buttons(answer.group_id, answer.week),
        )
        return
    if answer.attendance is not None and not answer.confirmed:
        members = await _members(context, uid, answer.group_id)
        if members is None:
            await refuse(update)
            return
        if group_admin.unusual_attendance(answer.attendance, members):
            await query.answer()
            await edit(update, *_confirm(answer.group_id, answer.week, answer.attendance, members))
            return
    g = await group_admin.record_session(
        rt(context),
        uid,
        answer.group_id,
        answer.week,
        held=answer.held is not False,
        attendance=answer.attendance,
    )
    if g is None:
        await refuse(update)
        return
    await query.answer()
    forget(context, uid)
    await edit(update, _saved_text(g.name, answer.week, answer.held, answer.attendance))


async def _members(context: ContextTypes.DEFAULT_TYPE, uid: int, group_id: int) -> int | None:
    """The group's member count, None when this person may not act for the group."""
    o = await group_admin.overview(rt(context), uid, group_id)
    return o.members if o is not None else None


def _confirm(group_id: int, week: int, attendance: int, members: int) -> tuple[str, Buttons]:
    """A count above twice the membership or above 60: accepted, once confirmed."""
    text = " ".join(
        [
            ngettext("You said {n} person came,", "You said {n} people came,", attendance).format(
                n=attendance
            ),
            ngettext(
                "and the group has {n} member on Foyer. Is that right?",
                "and the group has {n} members on Foyer. Is that right?",
                members,
            ).format(n=members),
        ]
    )
    return text, [
        [
            (
                _("Yes, {n} came").format(n=attendance),
                session_count_data(group_id, week, attendance, confirmed=True),
            )
        ],
        [(_("No, change the number"), session_held_data(group_id, week, True))],
    ]


def _saved_text(group: str, week: int, held: bool | None, attendance: int | None) -> str:
    if held is False:
        return _("Noted: the week {number} session of <b>{group}</b> did not take place.").format(
            number=week, group=html.escape(group)
        )
    return _("Noted: week {number} of <b>{group}</b>, {count} came. Thank you!").format(
        number=week, group=html.escape(group), count=attendance
    )


async def attendance_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: Awaiting, text: str
) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    value = text.strip()
    if not value.isdigit() or int(value) > group_admin.MAX_ATTENDANCE or awaiting.week is None:
        expect(context, uid, awaiting)
        await reply(update, _("Please send a number, like 12."))
        return
    members = await _members(context, uid, awaiting.group_id)
    if members is None:
        await refuse(update)
        return
    if group_admin.unusual_attendance(int(value), members):
        expect(context, uid, awaiting)  # a corrected number may be typed instead
        await reply(update, *_confirm(awaiting.group_id, awaiting.week, int(value), members))
        return
    g = await group_admin.record_session(
        rt(context), uid, awaiting.group_id, awaiting.week, held=True, attendance=int(value)
    )
    if g is None:
        await refuse(update)
        return
    await reply(update, _saved_text(g.name, awaiting.week, True, int(value)))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_session, pattern=ROUTES["fac_session"]))
