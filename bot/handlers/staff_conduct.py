"""The staff code of conduct, as facilitators and recorders meet it: an invitation's
/start shows it with I accept / No, thank you; accepting takes the invitation (once), sets
the new role's command menu and says what comes next. One shape for every staff role; each
role's module says what is particular to it (bot/handlers/facilitator_roles.py,
recording_roles.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update

from bot.handlers import staff_menus
from bot.handlers.common import edit, reply, rt
from bot.handlers.staff_auth import Context, telegram_id
from bot.i18n import _, current_language
from bot.services import facilitation

T = TypeVar("T")


async def offer(update: Update, intro: str, yes: str, no: str) -> None:
    """The invitation's first screen: who invites to what, the code, the two buttons
    (``yes`` and ``no``: their packed callback data)."""
    text = "\n\n".join(
        [intro, facilitation.conduct_text(), _("Do you accept this code of conduct?")]
    )
    await reply(update, text, [[("✅ " + _("I accept"), yes)], [("❌ " + _("No, thank you"), no)]])


async def answer(
    update: Update,
    context: Context,
    accepted: bool,
    take: Callable[[int, str], Awaitable[T | None]],
    bad_invite: str,
    welcome: Callable[[T], list[str]],
) -> None:
    """The answer: declined changes nothing; accepted takes the invitation for this person
    in their language (``take``: None when it no longer works, said with ``bad_invite``),
    then the menu of the role and ``welcome``'s paragraphs."""
    if not accepted:
        await edit(update, _("No problem. Nothing has changed."))
        return
    uid = telegram_id(update)
    taken = await take(uid, current_language())
    if taken is None:
        await edit(update, bad_invite)
        return
    await staff_menus.refresh(context.bot, rt(context), uid)
    lines = [
        *welcome(taken),
        _("Your commands are in the menu next to the message box, and in /help."),
    ]
    await edit(update, "\n\n".join(lines))
