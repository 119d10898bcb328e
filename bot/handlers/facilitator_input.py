"""Choosing a group for a command, the typed answers facilitators give, and /cancel."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.handlers import (
    facilitator_broadcast,
    facilitator_groups,
    facilitator_report,
    facilitator_session,
    paging,
)
from bot.handlers.callbacks import (
    ROUTES,
    GroupAction,
    group_action_data,
    parse_pick,
    pick_data,
)
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.facilitator_common import (
    AwaitingInput,
    expect,
    facilitator_or_refuse,
    forget,
    group_or_refuse,
    refuse,
    take,
)
from bot.i18n import _
from bot.services import group_admin
from bot.storage.groups import GroupRow


async def pick_group(update: Update, context: ContextTypes.DEFAULT_TYPE, purpose: str) -> None:
    """/broadcast, /remind, /report, /export: straight on with one group, else a choice."""
    actor = await facilitator_or_refuse(update, context)
    if actor is None:
        return
    forget(context, update.effective_user.id)  # type: ignore[union-attr]
    if not actor.groups:
        await reply(update, _("You do not facilitate any group yet. Send /newgroup to set one up."))
        return
    if len(actor.groups) == 1:
        (gid,) = actor.groups
        g = await group_or_refuse(update, context, gid)
        if g is not None:
            await _go(update, context, purpose, g)
        return
    shown = await _pick_page(update, context, actor.groups, purpose, 0)
    assert shown is not None
    await reply(update, *shown)


async def _pick_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    group_ids: frozenset[int],
    purpose: str,
    number: int,
) -> tuple[str, Buttons] | None:
    rows = [o.group for o in await group_admin.my_groups(rt(context), group_ids)]
    p = paging.page(rows, number)
    if p is None:
        return None
    text = "\n".join([_("For which group?"), *paging.title(p)])
    buttons = [[(g.name[:40], pick_data(purpose, g.id))] for g in p.items]
    return text, buttons + paging.nav(p, purpose)


async def on_pick_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asked = await paging.asked(update)
    if asked is None:
        return
    actor = await facilitator_or_refuse(update, context)
    if actor is None:
        return
    shown = await _pick_page(update, context, actor.groups, asked.list_code, asked.page)
    await paging.turn(update, shown)


async def _go(
    update: Update, context: ContextTypes.DEFAULT_TYPE, purpose: str, g: GroupRow
) -> None:
    if purpose == "b":
        await facilitator_broadcast.start_broadcast(update, context, g)
    elif purpose == "r":
        await facilitator_broadcast.start_remind(update, context, g)
    elif purpose == "p":
        await facilitator_report.send_report(update, context, g)
    else:
        await facilitator_report.ask_export(update, context, g)


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    parsed = parse_pick(query.data or "")
    if parsed is None:
        await query.answer(_("This button no longer works."))
        return
    purpose, gid = parsed
    g = await group_or_refuse(update, context, gid)
    if g is None:
        return
    await query.answer()
    await _go(update, context, purpose, g)


async def group_action(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    """The group menu's report, export and chat-link buttons (authorized by the caller)."""
    g = await group_or_refuse(update, context, a.group_id)
    if g is None:
        return
    if a.action == "rp":
        await facilitator_report.send_report(update, context, g)
    elif a.action == "ex":
        await facilitator_report.ask_export(update, context, g)
    elif a.action == "k":
        await _chat_code(update, context, g)


async def _chat_code(update: Update, context: ContextTypes.DEFAULT_TYPE, g: GroupRow) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    code = await group_admin.chat_link_code(rt(context), uid, g.id)
    if code is None:
        await refuse(update)
        return
    await edit(
        update,
        "\n\n".join(
            [
                _("To link the Telegram group chat of <b>{group}</b>:").format(
                    group=html.escape(g.name)
                ),
                _("1. Add Foyer to the group chat."),
                _("2. Send this there (it works once, for one day):"),
                f"<code>/link {html.escape(code)}</code>",
                _(
                    "Foyer will post the meeting reminders and the week's discussion question "
                    "there, and read nothing else."
                ),
            ]
        ),
        [[(_("Back"), group_action_data(g.id, "m"))]],
    )


async def on_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer Foyer asked a facilitator for (one answer per question)."""
    user = update.effective_user
    assert user is not None
    awaiting = take(context, user.id)
    if awaiting is None:
        return
    if awaiting.what == "broadcast":
        await facilitator_broadcast.broadcast_typed(update, context, awaiting)
        return
    text = (update.effective_message.text if update.effective_message else None) or ""
    if not text:
        expect(context, user.id, awaiting)
        await reply(update, _("Please type your answer, or send /cancel."))
        return
    if awaiting.what == "attendance":
        await facilitator_session.attendance_typed(update, context, awaiting, text)
    elif awaiting.what in ("meets", "delivers"):
        await facilitator_groups.schedule_typed(update, context, awaiting, text)
    elif awaiting.what == "remind":
        await facilitator_broadcast.remind_typed(update, context, awaiting, text)
    elif awaiting.what == "export":
        await facilitator_report.export_typed(update, context, awaiting, text)


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    assert user is not None
    if take(context, user.id) is None:
        await reply(update, _("There is nothing to cancel."))
        return
    await reply(update, _("Cancelled. Nothing has changed."))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("cancel", cancel_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_pick, pattern=ROUTES["fac_pick"]))
    app.add_handler(CallbackQueryHandler(on_pick_page, pattern=ROUTES["page_pick"]))
    app.add_handler(MessageHandler(AwaitingInput(app), on_typed))
