"""/programme for admins (the programme's key numbers and a chart) and safeguarding focal
points (help shown and concerns filed only); and the monthly summary's job, scheduled here.

The figures are counted across every group, which can take a while on a big programme: the
command answers at once and the figures follow from a task of their own, so this chat's next
update is not held behind them (updates of one chat are handled in order). A second /programme
while the first is being built is told it is on its way."""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler, filters

from bot.delivery import programme_monthly
from bot.handlers.common import reply, rt, try_again_text
from bot.handlers.staff_auth import Context, refuse, telegram_id
from bot.i18n import _
from bot.reports.programme_summary import Sees
from bot.reports.programme_view import sees_of
from bot.services import programme

log = logging.getLogger(__name__)

_BUILDING = "foyer.programme_building"  # bot_data: the Telegram ids whose figures are coming


def _building(context: Context) -> set[int]:
    found: set[int] = context.bot_data.setdefault(_BUILDING, set())
    return found


async def programme_command(update: Update, context: Context) -> None:
    who = telegram_id(update)
    sees = sees_of(rt(context).settings, who)
    if not sees.anything:
        await refuse(update)
        return
    building = _building(context)
    if who in building:
        await reply(update, _("Your figures are on their way: they will arrive here shortly."))
        return
    building.add(who)
    try:
        await reply(update, _("Counting across every group: the figures will arrive shortly."))
    except BaseException:
        building.discard(who)
        raise
    context.application.create_task(_send_overview(update, context, who, sees), update=update)


async def _send_overview(update: Update, context: Context, who: int, sees: Sees) -> None:
    try:
        found = await programme.overview(rt(context), sees)
        await reply(update, found.text)
        chat = update.effective_chat
        assert chat is not None
        await chat.send_photo(
            InputFile(found.chart, filename="programme.png"),
            caption=_("The last months as a chart ({hidden}: hidden).").format(hidden="–"),
            protect_content=sees.safeguarding,
        )
        log.info("programme.shown chat=%s", who)
    except Exception as exc:  # the database, or Telegram: say so rather than stay silent
        log.error("programme.failed chat=%s error=%s", who, type(exc).__name__, exc_info=True)
        await reply(update, try_again_text())
    finally:
        _building(context).discard(who)


def register(app: Application) -> None:
    app.add_handler(
        CommandHandler("programme", programme_command, filters=filters.ChatType.PRIVATE)
    )
    programme_monthly.schedule(app)
