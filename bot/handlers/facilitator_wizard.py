"""/newgroup: a short wizard (name, curriculum, language, timezone, meeting day and time,
weekly message time, first meeting date), a summary (where the region may be set:
wizard_summary.py), then confirm or cancel.

Each step is one small function that checks its answer and asks the next question. The
wizard waits for the next answer the one way every dialogue does (dialogue.Awaiting, at most
30 minutes); the answers so far live in user_data until the end (wizard_dialogue.py),
and nothing is stored before "Create the group".
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date, timedelta

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.domain.buttons.staff import WizardAnswer
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.policy import Action, may
from bot.domain.schedule import (
    WEEKDAYS,
    ScheduleError,
    parse_time,
    parse_timezone,
    parse_weekday_time,
)
from bot.handlers.common import edit, rt
from bot.handlers.dialogue import (
    Awaiting,
    Question,
    answers_typed_by_staff,
    deadline,
    expect,
    forget,
    waiting,
)
from bot.handlers.facilitator_groups import weekday_name
from bot.handlers.facilitator_roles import invite_link
from bot.handlers.routing import answer_stale, answers
from bot.handlers.staff_auth import (
    Context,
    facilitator_only,
    refused_text,
    staff_of,
    telegram_id,
)
from bot.handlers.wizard_dialogue import (
    CANCEL,
    CONFIRM,
    CURRICULUM,
    DELIVERY,
    END,
    LANGUAGE,
    MEET_DAY,
    MEET_TIME,
    NAME,
    START,
    TIMEZONE,
    acknowledge,
    answers_so_far,
    local_today,
    pressed,
    say,
    short_day,
    step_data,
    typed,
)
from bot.handlers.wizard_summary import got_region, show_summary, spec_of
from bot.i18n import LANGUAGE_NAMES, _, content_text
from bot.services import group_admin
from bot.services.staff_access import Staff

COMMON_TIMEZONES = ("Africa/Bamako", "Africa/Kigali", "America/Managua", "Africa/Dakar", "UTC")
COMMON_TIMES = ("09:00", "14:00", "17:00", "18:00")


# --- steps -------------------------------------------------------------------------------------


async def _creator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Staff | None:
    """The person, if they may create a group (asked at the start and again at the end: a
    facilitator revoked while the wizard ran creates nothing)."""
    who = await staff_of(update, context)
    return who if may(who.actor, Action.CREATE_GROUP) else None


@facilitator_only
async def start(update: Update, context: Context, who: Staff) -> None:
    answers_so_far(context).clear()
    expect(
        context, who.telegram_id, Awaiting(Question.NEW_GROUP, step=NAME, until=deadline(context))
    )
    await say(
        update, _("<b>New group</b> (step 1 of 8)\nWhat is the group's name? Members will see it.")
    )


async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    name = typed(update) or ""
    if not 1 <= len(name) <= 120:
        await say(update, _("Please send a name of 1 to 120 characters."))
        return NAME
    answers_so_far(context)["name"] = name
    curricula = rt(context).curricula
    buttons = [
        [(content_text(f"{cid}:title", curricula[cid].title)[:60], step_data("cur", cid))]
        for cid in curricula.ids()
    ]
    await say(update, _("(step 2 of 8) Which programme will the group follow?"), buttons)
    return CURRICULUM


async def got_curriculum(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    cid = pressed(update, "cur")
    if cid is None or rt(context).curricula.get(cid) is None:
        await say(update, _("Please choose the programme with one of the buttons above."))
        return CURRICULUM
    await acknowledge(update)
    answers_so_far(context)["curriculum"] = cid
    buttons = [[(LANGUAGE_NAMES[lang], step_data("lg", lang))] for lang in SUPPORTED_LANGUAGES]
    await say(update, _("(step 3 of 8) The group's main language?"), buttons)
    return LANGUAGE


async def got_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = pressed(update, "lg")
    if lang not in SUPPORTED_LANGUAGES:
        await say(update, _("Please choose the language with one of the buttons above."))
        return LANGUAGE
    await acknowledge(update)
    answers_so_far(context)["language"] = lang
    buttons = [[(tz, step_data("tz", tz))] for tz in COMMON_TIMEZONES]
    await say(
        update,
        _(
            "(step 4 of 8) Where does the group meet? Choose the time zone, or type another "
            "one, like Africa/Abidjan."
        ),
        buttons,
    )
    return TIMEZONE


async def got_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    tz = pressed(update, "tz") or typed(update) or ""
    try:
        parse_timezone(tz)
    except ScheduleError:
        await say(
            update,
            _("{name} is not a time zone I know. Please type one like Africa/Bamako.").format(
                name=html.escape(tz[:60])
            ),
        )
        return TIMEZONE
    await acknowledge(update)
    answers_so_far(context)["timezone"] = tz
    buttons = [[(weekday_name(d), step_data("day", d))] for d in range(7)]
    await say(update, _("(step 5 of 8) On which day does the group meet each week?"), buttons)
    return MEET_DAY


async def got_meet_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    day = pressed(update, "day")
    if day is None or day not in "0123456" or len(day) != 1:
        await say(update, _("Please choose the day with one of the buttons above."))
        return MEET_DAY
    await acknowledge(update)
    answers_so_far(context)["day"] = int(day)
    buttons = [[(t, step_data("mt", t.replace(":", "")))] for t in COMMON_TIMES]
    await say(update, _("(step 6 of 8) At what time? Choose, or type a time like 16:30."), buttons)
    return MEET_TIME


def _time_of(update: Update) -> str | None:
    button = pressed(update, "mt")
    raw = f"{button[:2]}:{button[2:]}" if button and len(button) == 4 else typed(update) or ""
    try:
        return parse_time(raw).strftime("%H:%M")
    except (ScheduleError, ValueError):
        return None


async def got_meet_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    at = _time_of(update)
    if at is None:
        await say(update, _("Please send a time like 17:00 (hours:minutes, 24-hour clock)."))
        return MEET_TIME
    await acknowledge(update)
    a = answers_so_far(context)
    a["meets"] = f"{WEEKDAYS[a['day']]} {at}"
    next_day = weekday_name((a["day"] + 1) % 7)
    await say(
        update,
        _(
            "(step 7 of 8) When should members receive the weekly message? Tap the usual "
            "choice, or type a day and time like fri 09:00."
        ),
        [[(_("{day} at 09:00").format(day=next_day), step_data("dl", "next"))]],
    )
    return DELIVERY


async def got_delivery(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    a = answers_so_far(context)
    if pressed(update, "dl") == "next":
        delivers = ""
    else:
        delivers = typed(update) or ""
        try:
            parse_weekday_time(delivers)
        except ScheduleError:
            await say(update, _("Please send a day and a time, like fri 09:00."))
            return DELIVERY
    await acknowledge(update)
    a["delivers"] = delivers
    await _ask_start(update, context)
    return START


async def _ask_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    today = local_today(context)
    first = today + timedelta(days=(answers_so_far(context)["day"] - today.weekday()) % 7)
    buttons = [
        [(short_day(d), step_data("st", d.isoformat()))]
        for d in (first + timedelta(weeks=i) for i in range(4))
    ]
    await say(
        update,
        _("(step 8 of 8) The date of the first meeting? Choose, or type it like 2027-01-14."),
        buttons,
    )


async def got_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    raw = pressed(update, "st") or typed(update) or ""
    a = answers_so_far(context)
    try:
        starts = date.fromisoformat(raw)
    except ValueError:
        await say(update, _("Please send the date like 2027-01-14 (year-month-day)."))
        return START
    if starts < local_today(context):
        await say(update, _("This date is in the past. Please choose a date from today on."))
        return START
    if starts.weekday() != a["day"]:
        await say(
            update,
            _("This date is not a {day}, the meeting day. Please choose another date.").format(
                day=weekday_name(a["day"])
            ),
        )
        return START
    await acknowledge(update)
    a["starts"] = starts.isoformat()
    return await show_summary(update, context)


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if pressed(update, "rg") is not None:  # Set the region, or an earlier question's No region
        return await got_region(update, context)
    if pressed(update, "ok") is None:
        await say(update, _("Please tap Create the group, or Cancel."))
        return CONFIRM
    await acknowledge(update)
    try:
        spec = spec_of(context)
    except ValueError:  # e.g. the first meeting day passed while the summary waited
        await edit(update, _("Something changed meanwhile: please start again with /newgroup."))
        return END
    finally:
        answers_so_far(context).clear()
    who = await _creator(update, context)
    if who is None:
        await edit(update, refused_text())
        return END
    _gid, code = await group_admin.create_group(rt(context), who, spec)
    await edit(
        update,
        "\n\n".join(
            [
                _("Done! <b>{group}</b> is ready.").format(group=html.escape(spec.name)),
                _("Share this invite link with the members:"),
                html.escape(invite_link(context.bot.username, code)),
                _("Send /groups to manage the group."),
            ]
        ),
    )
    return END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answers_so_far(context).clear()
    await acknowledge(update)
    await edit(update, _cancelled())


def _cancelled() -> str:
    return _("Cancelled. No group was created.")


# In the order the wizard asks, one state each (NAME, CURRICULUM, ... CONFIRM, REGION).
STEPS = (
    got_name, got_curriculum, got_language, got_timezone, got_meet_day, got_meet_time,
    got_delivery, got_start, confirm, got_region,
)  # fmt: skip


async def _go_on(update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: Awaiting) -> None:
    """The answer to the step the wizard is at; then wait for the next one, until the end."""
    uid = telegram_id(update)
    until = deadline(context)  # half an hour from this answer
    step = await STEPS[awaiting.step](update, context)
    if step == END:
        forget(context, uid)
        return
    expect(context, uid, replace(awaiting, step=step, until=until))


@answers_typed_by_staff(Question.NEW_GROUP, cancelled=_cancelled)
async def on_typed(
    update: Update, context: Context, awaiting: Awaiting, _who: Staff, _text: str
) -> None:
    await _go_on(update, context, awaiting)


@answers(WizardAnswer)
async def on_button(update: Update, context: Context, b: WizardAnswer) -> None:
    """The wizard's buttons while it runs; after a restart, a timeout or a cancel, stale."""
    uid = telegram_id(update)
    awaiting = waiting(context, uid)
    if awaiting is None or awaiting.question is not Question.NEW_GROUP:  # expired: None
        await answer_stale(update)
        return
    if b == CANCEL:
        forget(context, uid)
        await cancel(update, context)
        return
    await _go_on(update, context, awaiting)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("newgroup", start, filters=filters.ChatType.PRIVATE))
