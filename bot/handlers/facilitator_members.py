"""A group's members from its menu: the list (a page at a time), removing someone who broke the
code of conduct, and a one-time invitation for a member's partner (couples track)."""

from __future__ import annotations

import html

from telegram import Update

from bot.domain.buttons.group_actions import (
    MemberList,
    PartnerLink,
    PartnerPick,
    RemoveMember,
    RemoveMemberConfirmed,
    RenewInvite,
)
from bot.domain.buttons.pages import MembersPage, PartnerPickPage
from bot.domain.policy import Unavailable
from bot.handlers import paging
from bot.handlers.common import Buttons, edit, rt
from bot.handlers.facilitator_common import member_label
from bot.handlers.facilitator_groups import ask, back
from bot.handlers.partner_staff import invitation_text
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, acknowledged, facilitates_group, refuse
from bot.i18n import _, ngettext
from bot.services import couples, group_admin
from bot.services.couples import PartnerProblem
from bot.services.group_admin import MemberEntry
from bot.services.staff_access import Facilitating


def _label_size(m: MemberEntry) -> int:
    return paging.utf16_len(html.escape(member_label(m))) + 1


async def _members_page(context: Context, group_id: int, number: int) -> tuple[str, Buttons] | None:
    """A page of the member list, each with a button to remove them; None: no such page."""
    rows = await group_admin.listed_members(rt(context), group_id)
    if not rows:
        return _("Nobody has joined yet."), [[back(group_id)]]
    p = paging.page(rows, number, _label_size)
    if p is None:
        return None
    lines = [ngettext("{n} member:", "{n} members:", len(rows)).format(n=len(rows))]
    lines += paging.title(p)
    lines += [html.escape(member_label(m)) for m in p.items]
    lines.append(_("To remove someone who broke the code of conduct, tap their name."))
    buttons = [
        [
            (
                _("Remove {name}").format(name=member_label(m))[:60],
                RemoveMember(group_id, m.membership_id).pack(),
            )
        ]
        for m in p.items
    ]
    buttons += paging.nav(p, lambda n: MembersPage(group_id, n))
    buttons.append([back(group_id)])
    return "\n".join(lines), buttons


async def _partner_page(context: Context, group_id: int, number: int) -> tuple[str, Buttons] | None:
    rows = await group_admin.listed_members(rt(context), group_id)
    if not rows:
        return _("Nobody has joined yet."), [[back(group_id)]]
    p = paging.page(rows, number)
    if p is None:
        return None
    buttons = [
        [(member_label(m)[:60], PartnerLink(group_id, m.membership_id).pack())] for m in p.items
    ]
    buttons += paging.nav(p, lambda n: PartnerPickPage(group_id, n))
    buttons.append([back(group_id)])
    text = _(
        "Whose partner do you want to invite? You will get a one-time link to give to her "
        "yourself, for example at a couples session."
    )
    return "\n\n".join([text, *paging.title(p)]), buttons


@answers(MemberList)
@facilitates_group
@acknowledged
async def on_members(update: Update, context: Context, _b: MemberList, f: Facilitating) -> None:
    shown = await _members_page(context, f.group.id, 0)
    assert shown is not None  # the first page always exists
    await edit(update, *shown)


@answers(MembersPage)
@facilitates_group
async def on_members_page(
    update: Update, context: Context, b: MembersPage, f: Facilitating
) -> None:
    await paging.turn(update, await _members_page(context, f.group.id, b.page))


@answers(RemoveMember)
@facilitates_group
@acknowledged
async def on_remove(update: Update, context: Context, b: RemoveMember, f: Facilitating) -> None:
    rows = await group_admin.listed_members(rt(context), f.group.id)
    m = next((m for m in rows if m.membership_id == b.membership_id), None)
    if m is None:
        await edit(update, _("This person is no longer in the group."), [[back(b.group_id)]])
        return
    await ask(
        update,
        _(
            "Remove {name} from the group? They will receive a short neutral message and no "
            "more messages from the group."
        ).format(name=html.escape(member_label(m))),
        RemoveMemberConfirmed(b.group_id, m.membership_id),
    )


@answers(RemoveMemberConfirmed)
@facilitates_group
@acknowledged
async def on_removed(
    update: Update, context: Context, b: RemoveMemberConfirmed, f: Facilitating
) -> None:
    try:
        removed = await group_admin.remove_member(rt(context), f.group, b.membership_id)
    except Unavailable:
        await edit(update, _("This person is no longer in the group."), [[back(b.group_id)]])
        return
    await edit(
        update,
        _(
            "{name} has been removed. If they still have the invite link they could join again: "
            "make a new link to prevent that."
        ).format(name=html.escape(member_label(removed))),
        [[(_("Make a new link"), RenewInvite(b.group_id).pack())], [back(b.group_id)]],
    )


@answers(PartnerPick)
@facilitates_group
@acknowledged
async def on_partner_pick(
    update: Update, context: Context, _b: PartnerPick, f: Facilitating
) -> None:
    shown = await _partner_page(context, f.group.id, 0)
    assert shown is not None
    await edit(update, *shown)


@answers(PartnerPickPage)
@facilitates_group
async def on_partner_page(
    update: Update, context: Context, b: PartnerPickPage, f: Facilitating
) -> None:
    await paging.turn(update, await _partner_page(context, f.group.id, b.page))


@answers(PartnerLink)
@facilitates_group
@acknowledged
async def on_partner_link(
    update: Update, context: Context, b: PartnerLink, f: Facilitating
) -> None:
    made = await couples.invite_partner_for(rt(context), f.telegram_id, b.group_id, b.membership_id)
    if made is None:
        await refuse(update)
        return
    if isinstance(made, PartnerProblem):
        text = (
            _("This group does not have couples exercises.")
            if made is PartnerProblem.NO_TRACK
            else _("This person is no longer in the group.")
        )
        await edit(update, text, [[back(b.group_id)]])
        return
    await edit(update, invitation_text(made, context.bot.username), [[back(b.group_id)]])
