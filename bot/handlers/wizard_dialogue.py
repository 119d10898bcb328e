"""How the /newgroup wizard keeps its answers and talks: the answers so far in user_data (nothing
is stored before "Create the group"), its buttons, and a question edited in place or sent."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.buttons.staff import WizardAnswer
from bot.handlers.common import Buttons, edit, reply, rt
from bot.i18n import _, current_language, written_language

_KEY = "foyer.newgroup"
# The wizard's states: its eight steps in the order it asks, the summary, and the region (asked
# from the summary).
NAME, CURRICULUM, LANGUAGE, TIMEZONE, MEET_DAY, MEET_TIME, DELIVERY, START = range(8)
CONFIRM, REGION = 8, 9
END = -1  # the wizard is over


def answers_so_far(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    ud = context.user_data
    assert ud is not None
    answers: dict[str, Any] = ud.setdefault(_KEY, {})
    return answers


def step_data(step: str, value: str | int) -> str:
    return WizardAnswer(step, str(value)).pack()


CANCEL = WizardAnswer("no", "1")


def cancel_row() -> list[tuple[str, str]]:
    return [(_("Cancel"), CANCEL.pack())]


def pressed(update: Update, step: str) -> str | None:
    """The value of a wizard button for this step; None for typed text or another button."""
    query = update.callback_query
    if query is None:
        return None
    answer = WizardAnswer.unpack(query.data or "")
    return answer.value if answer and answer.step == step else None


def typed(update: Update) -> str | None:
    message = update.effective_message
    return (
        message.text.strip() if update.callback_query is None and message and message.text else None
    )


async def acknowledge(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


async def say(update: Update, text: str, buttons: Buttons | None = None) -> None:
    """Edit the pressed message, or answer a typed message with a new one."""
    buttons = [*(buttons or []), cancel_row()]
    if update.callback_query is not None:
        await edit(update, text, buttons)
    else:
        await reply(update, text, buttons)


def local_today(context: ContextTypes.DEFAULT_TYPE) -> date:
    return rt(context).clock.now().astimezone(ZoneInfo(answers_so_far(context)["timezone"])).date()


def short_day(d: date) -> str:
    """A date as people read it in their language: "Thu, Dec 10", "jeu. 10 déc."."""
    return str(format_skeleton("MMMEd", d, locale=written_language(current_language())))
