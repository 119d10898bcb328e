"""Becoming a facilitator: an admin's invitation, the code of conduct, and revoking."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.pages import FacilitatorGroupsPage
from bot.domain.buttons.staff import ConductAnswer, InviteFacilitator
from bot.handlers import paging, staff_conduct
from bot.handlers.common import Buttons, reply, rt
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, acknowledged, admin_only, admin_pages
from bot.i18n import _
from bot.services import facilitation
from bot.services.staff_access import Staff
from bot.storage import groups


def invite_link(username: str | None, code: str) -> str:
    return f"https://t.me/{username}?start={code}"


def _bad_invite_text() -> str:
    return _(
        "This facilitator invitation does not work any more: it was used, it expired or it was "
        "withdrawn. Please ask the programme's coordinator for a new one."
    )


async def start_facilitator(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """/start CODE with a facilitator invitation: show the code of conduct to accept."""
    inv = await facilitation.check_invite(rt(context), code)
    if inv is None:
        await reply(update, _bad_invite_text())
        return
    intro = _("You are invited to be a facilitator on Foyer.")
    if inv.group is not None:
        intro = _("You are invited to facilitate the group <b>{group}</b> on Foyer.").format(
            group=html.escape(inv.group.name)
        )
    await staff_conduct.offer(
        update, intro, ConductAnswer(code, True).pack(), ConductAnswer(code, False).pack()
    )


@answers(ConductAnswer)
@acknowledged
async def on_conduct(update: Update, context: Context, answer: ConductAnswer) -> None:
    async def take(uid: int, language: str) -> facilitation.FacilitatorInvite | None:
        return await facilitation.accept_invite(rt(context), answer.code, uid, language)

    def welcome(result: facilitation.FacilitatorInvite) -> list[str]:
        lines = [_("Thank you. You are now a facilitator.")]
        if result.group is not None:
            lines.append(
                _("You facilitate <b>{group}</b>.").format(group=html.escape(result.group.name))
            )
        lines.append(
            _(
                "Send /groups to see your groups, /newgroup to set up a new one, /broadcast to "
                "send a message to a group and /report for its totals."
            )
        )
        return lines

    await staff_conduct.answer(update, context, answer.accepted, take, _bad_invite_text(), welcome)


# --- admins ------------------------------------------------------------------------------------


@admin_only
async def new_facilitator(update: Update, context: Context, who: Staff) -> None:
    """/newfacilitator [GROUP_ID] (admins): a one-time invitation link, valid 7 days."""
    args = context.args or []
    if len(args) == 1 and args[0].isdigit():
        await _send_invite(update, context, who, int(args[0]))
        return
    if args:
        await reply(
            update, _("Send /newfacilitator, or /newfacilitator followed by a group number.")
        )
        return
    shown = await _groups_page(context, 0)
    assert shown is not None
    await reply(update, *shown)


async def _groups_page(
    context: ContextTypes.DEFAULT_TYPE, number: int
) -> tuple[str, Buttons] | None:
    async with rt(context).engine.connect() as conn:
        rows = await groups.list_all(conn)
    p = paging.page(rows, number)
    if p is None:
        return None
    buttons: Buttons = [[(_("No group yet"), InviteFacilitator(None).pack())]]
    buttons += [[(f"{g.id}. {g.name}"[:60], InviteFacilitator(g.id).pack())] for g in p.items]
    text = "\n".join([_("Which group will the new facilitator run?"), *paging.title(p)])
    return text, buttons + paging.nav(p, FacilitatorGroupsPage)


admin_pages(FacilitatorGroupsPage, _groups_page)


@answers(InviteFacilitator)
@admin_only
@acknowledged
async def on_admin_invite(
    update: Update, context: Context, who: Staff, b: InviteFacilitator
) -> None:
    await _send_invite(update, context, who, b.group_id)


async def _send_invite(update: Update, context: Context, who: Staff, group_id: int | None) -> None:
    runtime = rt(context)
    code = await facilitation.create_invite(runtime, group_id, who.telegram_id)
    if code is None:
        await reply(update, _("There is no group with that number."))
        return
    await reply(
        update,
        "\n\n".join(
            [
                _("Send this link to the new facilitator. It works once, for 7 days."),
                html.escape(invite_link(context.bot.username, code)),
            ]
        ),
    )


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("newfacilitator", new_facilitator, filters=private))
