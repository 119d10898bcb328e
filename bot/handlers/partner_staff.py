"""Partner invitations made by staff: the group's facilitators, or a women's organisation
contact registered by an admin (the recommended path: the link does not pass through the man).
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.handlers import paging
from bot.handlers.callbacks import (
    ROUTES,
    contact_data,
    parse_contact,
    parse_staff_partner,
    staff_partner_data,
)
from bot.handlers.common import Buttons, current_person, edit, reply, rt
from bot.handlers.facilitator_common import member_label, refuse
from bot.handlers.facilitator_roles import invite_link
from bot.i18n import _, current_language, format_day
from bot.services import couples, facilitation
from bot.services.couples import PartnerInvite, PartnerProblem
from bot.services.group_admin import MemberEntry
from bot.storage.groups import GroupRow


async def start_contact(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """/start with a partner-contact invitation (called by the join handler)."""
    g = await couples.check_contact_invite(rt(context), code)
    if g is None:
        await reply(
            update,
            _(
                "This invitation does not work any more: it may have been used already or be "
                "older than seven days. Please ask the programme team for a new one."
            ),
        )
        return
    text = "\n\n".join(
        [
            _(
                "You are invited to invite the partners of the members of <b>{group}</b> to "
                "Foyer's couples exercises."
            ).format(group=html.escape(g.name)),
            _("You follow the same code of conduct as the facilitators:"),
            facilitation.conduct_text(),
            _("Do you accept it?"),
        ]
    )
    await reply(
        update,
        text,
        [[(_("I accept"), contact_data(code))], [(_("No, thank you"), contact_data(None))]],
    )


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    code = parse_contact(query.data or "")
    if code is None:
        await query.answer(_("This button no longer works."))
        return
    await query.answer()
    if not code:
        await edit(update, _("No problem. Nothing about you has been stored."))
        return
    g = await couples.accept_contact_invite(
        rt(context), code, update.effective_user.id, current_language()
    )
    if g is None:
        await edit(update, _("This button no longer works."))
        return
    await edit(
        update,
        _(
            "Thank you. Send /partnerinvite when a member's partner would like to join the "
            "couples exercises of <b>{group}</b>."
        ).format(group=html.escape(g.name)),
    )


async def partnerinvite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    assert user is not None
    mine = await couples.groups_for_invitations(rt(context), user.id)
    if not mine:
        if current_person() is None:
            await refuse(update)
        else:
            await reply(update, _("You have no group with couples exercises."))
        return
    shown = _groups_page(mine, 0)
    assert shown is not None
    await reply(update, *shown)


def _groups_page(mine: list[GroupRow], number: int) -> tuple[str, Buttons] | None:
    p = paging.page(mine, number)
    if p is None:
        return None
    buttons = [[(g.name[:40], staff_partner_data(g.id))] for g in p.items]
    return "\n".join([_("For which group?"), *paging.title(p)]), buttons + paging.nav(p, "s")


def _members_page(
    rows: list[MemberEntry], group_id: int, number: int
) -> tuple[str, Buttons] | None:
    p = paging.page(rows, number)
    if p is None:
        return None
    text = _(
        "Whose partner do you want to invite? You will get a one-time link to give to her yourself."
    )
    buttons = [
        [(member_label(m)[:60], staff_partner_data(group_id, m.membership_id))] for m in p.items
    ]
    return "\n\n".join([text, *paging.title(p)]), buttons + paging.nav(p, "t", group_id)


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Previous / Next in /partnerinvite's choice of group, or of member."""
    assert update.effective_user is not None
    asked = await paging.asked(update)
    if asked is None:
        return
    uid = update.effective_user.id
    shown: tuple[str, Buttons] | None
    if asked.group_id is None:
        mine = await couples.groups_for_invitations(rt(context), uid)
        if not mine:
            await refuse(update)
            return
        shown = _groups_page(mine, asked.page)
    else:
        rows = await couples.members_for_invitation(rt(context), uid, asked.group_id)
        if rows is None:
            await refuse(update)
            return
        shown = _members_page(rows, asked.group_id, asked.page)
    await paging.turn(update, shown)


async def on_staff_partner(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    parsed = parse_staff_partner(query.data or "")
    if parsed is None:
        await query.answer(_("This button no longer works."))
        return
    # Answered only once the person is known to be staff: a refusal is its own answer.
    group_id, membership_id = parsed
    uid = update.effective_user.id
    if membership_id is None:
        rows = await couples.members_for_invitation(rt(context), uid, group_id)
        if rows is None:
            await refuse(update)
            return
        await query.answer()
        if not rows:
            await edit(update, _("Nobody has joined yet."))
            return
        shown = _members_page(rows, group_id, 0)
        assert shown is not None
        await edit(update, *shown)
        return
    made = await couples.invite_partner_for(rt(context), uid, group_id, membership_id)
    if made is None:
        await refuse(update)
        return
    await query.answer()
    if isinstance(made, PartnerProblem):
        await edit(update, _("This person is no longer in the group."))
        return
    await edit(update, invitation_text(made, context.bot.username))


def invitation_text(made: PartnerInvite, bot_username: str) -> str:
    """What staff see with a partner's link (the group menu shows the same)."""
    return "\n\n".join(
        [
            _("A one-time invitation for the partner, valid until {day}:").format(
                day=format_day(made.expires_at, made.group.timezone, current_language())
            ),
            html.escape(invite_link(bot_username, made.code)),
            _(
                "Give it to her in person if you can. Foyer never tells the member whether "
                "she opens it, joins or leaves, and never shows either of them what the "
                "other answers."
            ),
        ]
    )


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("partnerinvite", partnerinvite_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_staff_partner, pattern=ROUTES["staff_partner"]))
    app.add_handler(CallbackQueryHandler(on_page, pattern=ROUTES["page_staff_partner"]))
    app.add_handler(CallbackQueryHandler(on_contact, pattern=ROUTES["contact"]))
