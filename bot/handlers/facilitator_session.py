"""The session log: after each meeting, "did it take place?" and "how many came?" (counts)."""

from __future__ import annotations

import html

from telegram import Update

from bot.domain.buttons.staff import SessionAttendance, SessionHeld
from bot.domain.policy import Unavailable
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.dialogue import Awaiting, Question, answers_typed, expect, forget
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, facilitates_group, refuse
from bot.i18n import _, ngettext
from bot.services import group_admin, session_log
from bot.services.staff_access import Facilitating

_COUNTS = range(1, 21)


def _count_buttons(group_id: int, week: int) -> Buttons:
    numbers = [(str(n), SessionAttendance(group_id, week, n).pack()) for n in _COUNTS]
    return [numbers[i : i + 5] for i in range(0, len(numbers), 5)]


async def _record(
    update: Update, f: Facilitating, context: Context, week: int, held: bool, count: int | None
) -> bool:
    """Log it; a week that cannot be logged is refused (False), as before."""
    try:
        await session_log.record_session(rt(context), f.group, week, held=held, attendance=count)
    except Unavailable:
        await refuse(update)
        return False
    return True


@answers(SessionHeld)
@facilitates_group
async def on_held(update: Update, context: Context, b: SessionHeld, f: Facilitating) -> None:
    query = update.callback_query
    assert query is not None
    if not await _record(update, f, context, b.week, b.held, None):
        return
    await query.answer()
    if not b.held:
        forget(context, f.telegram_id)
        await edit(update, _saved_text(f.group.name, b.week, False, None))
        return
    # Held: recorded now; then the count (buttons or a typed number).
    expect(context, f.telegram_id, Awaiting(Question.ATTENDANCE, b.group_id, b.week))
    await edit(
        update,
        _("How many members came? Tap a number, or type it if it is not here."),
        _count_buttons(b.group_id, b.week),
    )


@answers(SessionAttendance)
@facilitates_group
async def on_count(update: Update, context: Context, b: SessionAttendance, f: Facilitating) -> None:
    query = update.callback_query
    assert query is not None
    if not b.confirmed:
        members = (await group_admin.overview_of(rt(context), f.group)).members
        if session_log.unusual_attendance(b.attendance, members):
            await query.answer()
            await edit(update, *_confirm(b.group_id, b.week, b.attendance, members))
            return
    if not await _record(update, f, context, b.week, True, b.attendance):
        return
    await query.answer()
    forget(context, f.telegram_id)
    await edit(update, _saved_text(f.group.name, b.week, True, b.attendance))


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
                SessionAttendance(group_id, week, attendance, confirmed=True).pack(),
            )
        ],
        [(_("No, change the number"), SessionHeld(group_id, week, True).pack())],
    ]


def _saved_text(group: str, week: int, held: bool, attendance: int | None) -> str:
    if not held:
        return _("Noted: the week {number} session of <b>{group}</b> did not take place.").format(
            number=week, group=html.escape(group)
        )
    return _("Noted: week {number} of <b>{group}</b>, {count} came. Thank you!").format(
        number=week, group=html.escape(group), count=attendance
    )


@answers_typed(Question.ATTENDANCE)
async def attendance_typed(
    update: Update, context: Context, awaiting: Awaiting, f: Facilitating, text: str
) -> None:
    value = text.strip()
    if not value.isdigit() or int(value) > session_log.MAX_ATTENDANCE or awaiting.week is None:
        expect(context, f.telegram_id, awaiting)
        await reply(update, _("Please send a number, like 12."))
        return
    members = (await group_admin.overview_of(rt(context), f.group)).members
    if session_log.unusual_attendance(int(value), members):
        expect(context, f.telegram_id, awaiting)  # a corrected number may be typed instead
        await reply(update, *_confirm(f.group.id, awaiting.week, int(value), members))
        return
    if not await _record(update, f, context, awaiting.week, True, int(value)):
        return
    await reply(update, _saved_text(f.group.name, awaiting.week, True, int(value)))
