"""/newgroup's last screen: the answers to check, and the group's region, which the facilitator
may set there before "Create the group" (optional, typed; only the programme's reports use it).

The region is asked from the summary rather than as a ninth step: most groups need none, and a
button on the screen everyone reads before creating the group is found by those whose
programme reports by region, without a question the others must skip."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.places import REGION_MAX, check_region
from bot.handlers.common import rt
from bot.handlers.facilitator_groups import region_line, region_question, weekday_name
from bot.handlers.wizard_dialogue import (
    CONFIRM,
    REGION,
    acknowledge,
    answers_so_far,
    local_today,
    pressed,
    say,
    step_data,
    typed,
)
from bot.i18n import LANGUAGE_NAMES, _, format_day
from bot.services.group_setup import GroupSpec, parse_spec

_FIELDS = ("name", "curriculum", "timezone", "meets", "delivers", "starts", "language", "region")
ASK_REGION, NO_REGION = "ask", "none"  # the values of the region's buttons (nw:rg:...)


def spec_of(context: ContextTypes.DEFAULT_TYPE) -> GroupSpec:
    """The answers as a group to create (ValueError when one no longer holds)."""
    a = answers_so_far(context)
    return parse_spec({k: a.get(k) for k in _FIELDS}, rt(context).curricula, local_today(context))


async def show_summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    spec = spec_of(context)
    s = spec.schedule
    lines = [
        _("<b>Please check the new group</b>"),
        _("Name: {name}").format(name=html.escape(spec.name)),
        _("Programme: {programme} ({weeks} weeks)").format(
            programme=html.escape(spec.curriculum_id), weeks=s.weeks
        ),
        _("Language: {language}").format(language=LANGUAGE_NAMES[spec.language]),
        _("Time zone: {timezone}").format(timezone=html.escape(s.timezone)),
        _("Meetings: every {day} at {time}").format(
            day=weekday_name(s.meet_weekday), time=f"{s.meet_time:%H:%M}"
        ),
        _("Weekly message: {day} at {time}").format(
            day=weekday_name(s.deliver_weekday), time=f"{s.deliver_time:%H:%M}"
        ),
        _("First meeting: {day}").format(day=format_day(s.meeting_at(1), s.timezone)),
        region_line(spec.region),
    ]
    region_label = _("Change the region") if spec.region else _("Set the region")
    buttons = [
        [(region_label, step_data("rg", ASK_REGION))],
        [(_("Create the group"), step_data("ok", 1))],
    ]
    await say(update, "\n".join(lines), buttons)
    return CONFIRM


async def ask_region(update: Update, problem: str = "") -> int:
    """The region's question (after what was wrong with the last answer, if anything)."""
    question = region_question()
    await say(
        update,
        f"{problem}\n\n{question}" if problem else question,
        [[(_("No region"), step_data("rg", NO_REGION))]],
    )
    return REGION


async def got_region(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The region's buttons (Set the region, No region), wherever they still are in the chat,
    and a typed region, checked as every region is; then the summary again."""
    await acknowledge(update)
    choice = pressed(update, "rg")
    if choice == ASK_REGION:
        return await ask_region(update)
    if choice == NO_REGION:
        answers_so_far(context).pop("region", None)
        return await show_summary(update, context)
    text = typed(update)
    if text is None:  # another of the wizard's buttons, still in the chat
        return await ask_region(update, _("Please type the region's name, or tap No region."))
    try:
        region = check_region(text)
    except ValueError:
        return await ask_region(
            update,
            _(
                "A region's name is plain text of at most {count} characters. Please type it "
                "again, or tap No region."
            ).format(count=REGION_MAX),
        )
    answers_so_far(context)["region"] = region
    return await show_summary(update, context)
