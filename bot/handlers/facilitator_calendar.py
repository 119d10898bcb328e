"""A group's calendar from its menu: postpone a week, pause and resume, the schedule with its
reminders and settings, a new meeting or weekly message time (typed), and the group's region
(typed, for the programme's reports)."""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import Update

from bot.domain.buttons.group_actions import (
    GUIDE_HOURS,
    AskDeliveryTime,
    AskMeetingTime,
    AskRegion,
    GroupButton,
    GuideHours,
    PauseGroup,
    PauseGroupConfirmed,
    Postpone,
    PostponeConfirmed,
    ResumeGroup,
    ScheduleMenu,
    ToggleSetting,
)
from bot.domain.places import REGION_MAX, check_region
from bot.domain.policy import Unavailable
from bot.domain.schedule import ScheduleError
from bot.handlers.common import edit, reply, rt
from bot.handlers.dialogue import Awaiting, Question, answers_typed, expect
from bot.handlers.facilitator_groups import (
    back,
    confirm_first,
    region_line,
    region_question,
    show_menu,
    weekday_name,
)
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, group_action, opens
from bot.i18n import _, format_when
from bot.services import group_admin
from bot.services.staff_access import Facilitating

# --- postpone, pause, resume -------------------------------------------------------------------


confirm_first(
    Postpone,
    lambda: _(
        "Postpone the next meeting by one week (a holiday, say)? Every later week moves "
        "one week too, and so do the weekly messages."
    ),
    PostponeConfirmed,
)


@group_action(PostponeConfirmed)
async def on_postponed(
    update: Update, context: Context, _b: PostponeConfirmed, f: Facilitating
) -> None:
    try:
        done = await group_admin.postpone(rt(context), f.group)
    except Unavailable:
        await edit(update, _("There is no meeting left to postpone."), [[back(f.group.id)]])
        return
    await edit(
        update,
        _("Done. The meeting of week {number} is now on {when}.").format(
            number=done.week, when=format_when(done.meeting, f.group.timezone)
        ),
        [[back(f.group.id)]],
    )


confirm_first(
    PauseGroup,
    lambda: _(
        "Pause the whole group? Members receive nothing until you resume it. When you "
        "resume, the programme continues with the week it stopped at."
    ),
    PauseGroupConfirmed,
)


@group_action(PauseGroupConfirmed)
async def on_paused(
    update: Update, context: Context, _b: PauseGroupConfirmed, f: Facilitating
) -> None:
    await group_admin.set_paused(rt(context), f.group, True)
    await show_menu(update, context, f.group.id)


@group_action(ResumeGroup)
async def on_resume(update: Update, context: Context, _b: ResumeGroup, f: Facilitating) -> None:
    await group_admin.set_paused(rt(context), f.group, False)
    await show_menu(update, context, f.group.id)


# --- the schedule and its settings -------------------------------------------------------------


def _on_off(on: bool) -> str:
    return _("on") if on else _("off")


async def show_schedule(update: Update, context: Context, group_id: int) -> None:
    """The schedule and settings as they are now (after a change, too)."""
    g = await group_admin.current(rt(context), group_id)
    lines = [
        "<b>" + html.escape(g.name) + "</b>",
        _("Meeting: every {day} at {time} ({timezone})").format(
            day=weekday_name(g.meet_weekday), time=f"{g.meet_time:%H:%M}", timezone=g.timezone
        ),
        _("Weekly message: {day} at {time}").format(
            day=weekday_name(g.deliver_weekday), time=f"{g.deliver_time:%H:%M}"
        ),
        _("Discussion guide: {hours} h before the meeting").format(hours=g.guide_hours_before),
        _("Reminder 24 h before: {state}").format(state=_on_off(g.reminder_24h)),
        _("Reminder 1 h before: {state}").format(state=_on_off(g.reminder_1h)),
        _("Weekly group summary to members: {state}").format(state=_on_off(g.weekly_summary)),
        region_line(g.region),
    ]
    gid = g.id
    toggles = [
        (_("Reminder 24 h: turn {state}"), "reminder_24h"),
        (_("Reminder 1 h: turn {state}"), "reminder_1h"),
        (_("Summary: turn {state}"), "weekly_summary"),
    ]
    buttons = [
        [(_("Change the meeting time"), AskMeetingTime(gid).pack())],
        [(_("Change the weekly message time"), AskDeliveryTime(gid).pack())],
        [(_("Change the region") if g.region else _("Set the region"), AskRegion(gid).pack())],
        [
            (
                ("✓ " if hours == g.guide_hours_before else "")
                + _("Guide {hours} h before").format(hours=hours),
                GuideHours(gid, hours).pack(),
            )
            for hours in GUIDE_HOURS
        ],
        *(
            [
                (
                    label.format(state=_on_off(not getattr(g, setting))),
                    ToggleSetting(gid, setting).pack(),
                )
            ]
            for label, setting in toggles
        ),
        [back(gid)],
    ]
    await edit(update, "\n".join(lines), buttons)


@group_action(ScheduleMenu)
async def on_schedule(update: Update, context: Context, _b: ScheduleMenu, f: Facilitating) -> None:
    await show_schedule(update, context, f.group.id)


@group_action(ToggleSetting)
async def on_toggle(update: Update, context: Context, b: ToggleSetting, f: Facilitating) -> None:
    await group_admin.toggle(rt(context), f.group, b.setting)
    await show_schedule(update, context, f.group.id)


@group_action(GuideHours)
async def on_guide_hours(update: Update, context: Context, b: GuideHours, f: Facilitating) -> None:
    """How long before the meeting the facilitators get the discussion guide."""
    await group_admin.set_guide_hours(rt(context), f.group, b.hours)
    await show_schedule(update, context, f.group.id)


def _asks_time(family: type[GroupButton], question: Question, prompt: Callable[[], str]) -> None:
    """`family` asks for a new day and time (typed), taken by schedule_typed."""

    async def asking(update: Update, context: Context, f: Facilitating) -> None:
        expect(context, f.telegram_id, Awaiting(question, f.group.id))
        await edit(update, prompt())

    answers(family)(opens(asking))


_asks_time(
    AskMeetingTime,
    Question.MEETS,
    lambda: _("Send the new meeting day and time, like this: thu 17:00 (or /cancel)."),
)
_asks_time(
    AskDeliveryTime,
    Question.DELIVERS,
    lambda: _(
        "Send the new day and time of the weekly message, like this: fri 09:00 (or /cancel)."
    ),
)


@answers_typed(Question.MEETS, Question.DELIVERS)
async def schedule_typed(
    update: Update, context: Context, awaiting: Awaiting, f: Facilitating, text: str
) -> None:
    meets = awaiting.question is Question.MEETS
    try:
        await group_admin.edit_schedule(
            rt(context),
            f.group,
            meets=text if meets else None,
            delivers=None if meets else text,
        )
    except ScheduleError:
        expect(context, f.telegram_id, awaiting)  # let them try again
        await reply(
            update,
            _("Sorry, I did not understand. Please send a day and a time, like this: thu 17:00"),
        )
        return
    await reply(update, _("Done. The schedule is changed."), [[back(f.group.id)]])


# --- the region ----------------------------------------------------------------------------------


@answers(AskRegion)
@opens
async def ask_region(update: Update, context: Context, f: Facilitating) -> None:
    expect(context, f.telegram_id, Awaiting(Question.REGION, f.group.id))
    await edit(update, region_question() + "\n\n" + _("Or send /cancel to keep it as it is."))


@answers_typed(Question.REGION)
async def region_typed(
    update: Update, context: Context, awaiting: Awaiting, f: Facilitating, text: str
) -> None:
    try:
        region = check_region(text)
    except ValueError:
        expect(context, f.telegram_id, awaiting)  # let them try again
        await reply(
            update,
            _(
                "A region's name is plain text of at most {count} characters. Please type it "
                "again, or send /cancel."
            ).format(count=REGION_MAX),
        )
        return
    await group_admin.set_region(rt(context), f.group, region)
    await reply(update, _("Done.") + "\n" + region_line(region), [[back(f.group.id)]])
