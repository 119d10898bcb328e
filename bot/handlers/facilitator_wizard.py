"""/newgroup: a short wizard (name, curriculum, language, timezone, meeting day and time,
weekly message time, first meeting date), a summary, then confirm or cancel.

Each step is one small function that checks its answer and asks the next question. Answers
live in user_data until the end; nothing is stored before "Create the group".
"""

from __future__ import annotations

import html
import warnings
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.schedule import (
    WEEKDAYS,
    ScheduleError,
    parse_time,
    parse_timezone,
    parse_weekday_time,
)
from bot.handlers.callbacks import parse_wizard, wizard_data
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.facilitator_common import facilitator_or_refuse, forget
from bot.handlers.facilitator_groups import weekday_name
from bot.handlers.facilitator_roles import invite_link
from bot.i18n import LANGUAGE_NAMES, _, content_text, current_language, format_day
from bot.services import group_admin
from bot.services.group_setup import parse_spec

NAME, CURRICULUM, LANGUAGE, TIMEZONE, MEET_DAY, MEET_TIME, DELIVERY, START, CONFIRM = range(9)
_KEY = "foyer.newgroup"
COMMON_TIMEZONES = ("Africa/Bamako", "Africa/Kigali", "America/Managua", "Africa/Dakar", "UTC")
COMMON_TIMES = ("09:00", "14:00", "17:00", "18:00")
TIMEOUT_SECONDS = 30 * 60


def _answers(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    ud = context.user_data
    assert ud is not None
    answers: dict[str, Any] = ud.setdefault(_KEY, {})
    return answers


def _cancel_row() -> list[tuple[str, str]]:
    return [(_("Cancel"), wizard_data("no", 1))]


def _button(update: Update, step: str) -> str | None:
    """The value of a wizard button for this step; None for typed text or another button."""
    query = update.callback_query
    if query is None:
        return None
    parsed = parse_wizard(query.data or "")
    return parsed[1] if parsed and parsed[0] == step else None


def _typed(update: Update) -> str | None:
    message = update.effective_message
    return (
        message.text.strip() if update.callback_query is None and message and message.text else None
    )


async def _answer_query(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


async def _say(update: Update, text: str, buttons: Buttons | None = None) -> None:
    """Edit the pressed message, or answer a typed message with a new one."""
    buttons = [*(buttons or []), _cancel_row()]
    if update.callback_query is not None:
        await edit(update, text, buttons)
    else:
        await reply(update, text, buttons)


# --- steps -------------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await facilitator_or_refuse(update, context) is None:
        return ConversationHandler.END
    forget(context, update.effective_user.id)  # type: ignore[union-attr]
    _answers(context).clear()
    await _say(
        update, _("<b>New group</b> (step 1 of 8)\nWhat is the group's name? Members will see it.")
    )
    return NAME


async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    name = _typed(update) or ""
    if not 1 <= len(name) <= 120:
        await _say(update, _("Please send a name of 1 to 120 characters."))
        return NAME
    _answers(context)["name"] = name
    curricula = rt(context).curricula
    buttons = [
        [(content_text(f"{cid}:title", curricula[cid].title)[:60], wizard_data("cur", cid))]
        for cid in curricula.ids()
    ]
    await _say(update, _("(step 2 of 8) Which programme will the group follow?"), buttons)
    return CURRICULUM


async def got_curriculum(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    cid = _button(update, "cur")
    if cid is None or rt(context).curricula.get(cid) is None:
        await _say(update, _("Please choose the programme with one of the buttons above."))
        return CURRICULUM
    await _answer_query(update)
    _answers(context)["curriculum"] = cid
    buttons = [[(LANGUAGE_NAMES[lang], wizard_data("lg", lang))] for lang in SUPPORTED_LANGUAGES]
    await _say(update, _("(step 3 of 8) The group's main language?"), buttons)
    return LANGUAGE


async def got_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = _button(update, "lg")
    if lang not in SUPPORTED_LANGUAGES:
        await _say(update, _("Please choose the language with one of the buttons above."))
        return LANGUAGE
    await _answer_query(update)
    _answers(context)["language"] = lang
    buttons = [[(tz, wizard_data("tz", tz))] for tz in COMMON_TIMEZONES]
    await _say(
        update,
        _(
            "(step 4 of 8) Where does the group meet? Choose the time zone, or type another "
            "one, like Africa/Abidjan."
        ),
        buttons,
    )
    return TIMEZONE


async def got_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    tz = _button(update, "tz") or _typed(update) or ""
    try:
        parse_timezone(tz)
    except ScheduleError:
        await _say(
            update,
            _("{name} is not a time zone I know. Please type one like Africa/Bamako.").format(
                name=html.escape(tz[:60])
            ),
        )
        return TIMEZONE
    await _answer_query(update)
    _answers(context)["timezone"] = tz
    buttons = [[(weekday_name(d), wizard_data("day", d))] for d in range(7)]
    await _say(update, _("(step 5 of 8) On which day does the group meet each week?"), buttons)
    return MEET_DAY


async def got_meet_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    day = _button(update, "day")
    if day is None or day not in "0123456" or len(day) != 1:
        await _say(update, _("Please choose the day with one of the buttons above."))
        return MEET_DAY
    await _answer_query(update)
    _answers(context)["day"] = int(day)
    buttons = [[(t, wizard_data("mt", t.replace(":", "")))] for t in COMMON_TIMES]
    await _say(update, _("(step 6 of 8) At what time? Choose, or type a time like 16:30."), buttons)
    return MEET_TIME


def _time_of(update: Update) -> str | None:
    button = _button(update, "mt")
    raw = f"{button[:2]}:{button[2:]}" if button and len(button) == 4 else _typed(update) or ""
    try:
        return parse_time(raw).strftime("%H:%M")
    except (ScheduleError, ValueError):
        return None


async def got_meet_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    at = _time_of(update)
    if at is None:
        await _say(update, _("Please send a time like 17:00 (hours:minutes, 24-hour clock)."))
        return MEET_TIME
    await _answer_query(update)
    a = _answers(context)
    a["meets"] = f"{WEEKDAYS[a['day']]} {at}"
    next_day = weekday_name((a["day"] + 1) % 7)
    await _say(
        update,
        _(
            "(step 7 of 8) When should members receive the weekly message? Tap the usual "
            "choice, or type a day and time like fri 09:00."
        ),
        [[(_("{day} at 09:00").format(day=next_day), wizard_data("dl", "next"))]],
    )
    return DELIVERY


async def got_delivery(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    a = _answers(context)
    if _button(update, "dl") == "next":
        delivers = ""
    else:
        delivers = _typed(update) or ""
        try:
            parse_weekday_time(delivers)
        except ScheduleError:
            await _say(update, _("Please send a day and a time, like fri 09:00."))
            return DELIVERY
    await _answer_query(update)
    a["delivers"] = delivers
    await _ask_start(update, context)
    return START


def _local_today(context: ContextTypes.DEFAULT_TYPE) -> date:
    return rt(context).clock.now().astimezone(ZoneInfo(_answers(context)["timezone"])).date()


def short_day(d: date) -> str:
    """A date as people read it in their language: "Thu, Dec 10", "jeu. 10 déc."."""
    return str(format_skeleton("MMMEd", d, locale=current_language()))


async def _ask_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    today = _local_today(context)
    first = today + timedelta(days=(_answers(context)["day"] - today.weekday()) % 7)
    buttons = [
        [(short_day(d), wizard_data("st", d.isoformat()))]
        for d in (first + timedelta(weeks=i) for i in range(4))
    ]
    await _say(
        update,
        _("(step 8 of 8) The date of the first meeting? Choose, or type it like 2027-01-14."),
        buttons,
    )


async def got_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    raw = _button(update, "st") or _typed(update) or ""
    a = _answers(context)
    try:
        starts = date.fromisoformat(raw)
    except ValueError:
        await _say(update, _("Please send the date like 2027-01-14 (year-month-day)."))
        return START
    if starts < _local_today(context):
        await _say(update, _("This date is in the past. Please choose a date from today on."))
        return START
    if starts.weekday() != a["day"]:
        await _say(
            update,
            _("This date is not a {day}, the meeting day. Please choose another date.").format(
                day=weekday_name(a["day"])
            ),
        )
        return START
    await _answer_query(update)
    a["starts"] = starts.isoformat()
    return await _summary(update, context)


async def _summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    a = _answers(context)
    spec = parse_spec(
        {
            k: a.get(k)
            for k in ("name", "curriculum", "timezone", "meets", "delivers", "starts", "language")
        },
        rt(context).curricula,
        _local_today(context),
    )
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
    ]
    buttons = [[(_("Create the group"), wizard_data("ok", 1))]]
    await _say(update, "\n".join(lines), buttons)
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if _button(update, "ok") is None:
        await _say(update, _("Please tap Create the group, or Cancel."))
        return CONFIRM
    await _answer_query(update)
    a = _answers(context)
    try:
        spec = parse_spec(
            {
                k: a.get(k)
                for k in (
                    "name",
                    "curriculum",
                    "timezone",
                    "meets",
                    "delivers",
                    "starts",
                    "language",
                )
            },
            rt(context).curricula,
            _local_today(context),
        )
    except ValueError:  # e.g. the first meeting day passed while the summary waited
        await edit(update, _("Something changed meanwhile: please start again with /newgroup."))
        a.clear()
        return ConversationHandler.END
    created = await group_admin.create_group(rt(context), update.effective_user.id, spec)  # type: ignore[union-attr]
    a.clear()
    if created is None:
        await edit(update, _("Sorry, this is only for the group's facilitators."))
        return ConversationHandler.END
    _gid, code = created
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
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _answers(context).clear()
    await _answer_query(update)
    text = _("Cancelled. No group was created.")
    if update.callback_query is not None:
        await edit(update, text)
    else:
        await reply(update, text)
    return ConversationHandler.END


async def timed_out(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _answers(context).clear()


def _step(callback: Any) -> list[Any]:
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(cancel, pattern=r"^nw:no:1$"),
        CallbackQueryHandler(callback, pattern=r"^nw:"),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, callback),
    ]


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    with warnings.catch_warnings():
        # per_message=False is right here (one wizard per person); PTB warns regardless.
        warnings.simplefilter("ignore")
        handler = ConversationHandler(
            entry_points=[CommandHandler("newgroup", start, filters=private)],
            states={
                NAME: _step(got_name),
                CURRICULUM: _step(got_curriculum),
                LANGUAGE: _step(got_language),
                TIMEZONE: _step(got_timezone),
                MEET_DAY: _step(got_meet_day),
                MEET_TIME: _step(got_meet_time),
                DELIVERY: _step(got_delivery),
                START: _step(got_start),
                CONFIRM: _step(confirm),
                ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel, filters=private),
                CallbackQueryHandler(cancel, pattern=r"^nw:no:1$"),
            ],
            conversation_timeout=TIMEOUT_SECONDS,
            name="newgroup",
        )
    app.add_handler(handler)
