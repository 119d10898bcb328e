"""Partner invitations made by staff: the group's facilitators, or a women's organisation
contact registered by an admin (the recommended path: the link does not pass through the man).
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.member import ContactRegistration
from bot.domain.buttons.pages import InvitationGroupsPage, InvitationMembersPage
from bot.domain.buttons.staff import InvitationMembers, InvitePartnerOf
from bot.handlers import paging
from bot.handlers.common import Buttons, current_person, edit, reply, rt
from bot.handlers.facilitator_common import member_label
from bot.handlers.facilitator_roles import invite_link
from bot.handlers.routing import answers, stale_text
from bot.handlers.staff_auth import Context, acknowledged, refuse, telegram_id
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
        [
            [(_("I accept"), ContactRegistration(code).pack())],
            [(_("No, thank you"), ContactRegistration(None).pack())],
        ],
    )


@answers(ContactRegistration)
@acknowledged
async def on_contact(update: Update, context: Context, answer: ContactRegistration) -> None:
    if answer.code is None:
        await edit(update, _("No problem. Nothing about you has been stored."))
        return
    g = await couples.accept_contact_invite(
        rt(context), answer.code, telegram_id(update), current_language()
    )
    if g is None:
        await edit(update, stale_text())
        return
    await edit(
        update,
        _(
            "Thank you. Send /partnerinvite when a member's partner would like to join the "
            "couples exercises of <b>{group}</b>."
        ).format(group=html.escape(g.name)),
    )


async def partnerinvite_command(update: Update, context: Context) -> None:
    mine = await couples.groups_for_invitations(rt(context), telegram_id(update))
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
    buttons = [[(g.name[:40], InvitationMembers(g.id).pack())] for g in p.items]
    nav = paging.nav(p, InvitationGroupsPage)
    return "\n".join([_("For which group?"), *paging.title(p)]), buttons + nav


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
        [(member_label(m)[:60], InvitePartnerOf(group_id, m.membership_id).pack())] for m in p.items
    ]
    nav = paging.nav(p, lambda n: InvitationMembersPage(group_id, n))
    return "\n\n".join([text, *paging.title(p)]), buttons + nav


# Staff here are a group's facilitators or the partner contacts an admin registered for it:
# couples.py decides who may (and refuses the same way for a group that does not exist).


@answers(InvitationGroupsPage)
async def on_groups_page(update: Update, context: Context, asked: InvitationGroupsPage) -> None:
    """Previous / Next in /partnerinvite's choice of group."""
    mine = await couples.groups_for_invitations(rt(context), telegram_id(update))
    if not mine:
        await refuse(update)
        return
    await paging.turn(update, _groups_page(mine, asked.page))


async def _members_or_refuse(
    update: Update, context: Context, group_id: int
) -> list[MemberEntry] | None:
    rows = await couples.members_for_invitation(rt(context), telegram_id(update), group_id)
    if rows is None:
        await refuse(update)
    return rows


@answers(InvitationMembersPage)
async def on_members_page(update: Update, context: Context, asked: InvitationMembersPage) -> None:
    """Previous / Next in /partnerinvite's choice of member."""
    rows = await _members_or_refuse(update, context, asked.group_id)
    if rows is not None:
        await paging.turn(update, _members_page(rows, asked.group_id, asked.page))


@answers(InvitationMembers)
async def on_group_chosen(update: Update, context: Context, b: InvitationMembers) -> None:
    # Answered only once the person is known to be staff: a refusal is its own answer.
    rows = await _members_or_refuse(update, context, b.group_id)
    if rows is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    if not rows:
        await edit(update, _("Nobody has joined yet."))
        return
    shown = _members_page(rows, b.group_id, 0)
    assert shown is not None
    await edit(update, *shown)


@answers(InvitePartnerOf)
async def on_invite_partner(update: Update, context: Context, b: InvitePartnerOf) -> None:
    uid = telegram_id(update)
    made = await couples.invite_partner_for(rt(context), uid, b.group_id, b.membership_id)
    if made is None:
        await refuse(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
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
