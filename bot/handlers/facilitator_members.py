"""A group's members from its menu: the list (a page at a time), removing someone who broke the
code of conduct, and a one-time invitation for a member's partner (couples track)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.domain.buttons.group_actions import (
    GroupButton,
    MemberList,
    OfGroup,
    PartnerLink,
    PartnerPick,
    RemoveMember,
    RemoveMemberConfirmed,
    RenewInvite,
)
from bot.domain.buttons.pages import GroupListPage, MembersPage, PartnerPickPage
from bot.domain.policy import Unavailable
from bot.handlers import paging
from bot.handlers.common import Buttons, edit, rt
from bot.handlers.facilitator_common import member_label
from bot.handlers.facilitator_groups import ask, back
from bot.handlers.partner_staff import invitation_text
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, facilitates_group, group_action, refuse
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


PageOf = Callable[[Context, int, int], Awaitable[tuple[str, Buttons] | None]]


def _shown_a_page_at_a_time(
    first: type[GroupButton], later: type[GroupListPage], page_of: PageOf
) -> None:
    """The menu's button (`first`) shows the list's first page; Previous and Next (`later`)
    the others."""

    @facilitates_group
    async def show(update: Update, context: Context, b: OfGroup, f: Facilitating) -> None:
        page = b.page if isinstance(b, GroupListPage) else 0
        await paging.turn(update, await page_of(context, f.group.id, page))

    answers(first)(show)
    answers(later)(show)


_shown_a_page_at_a_time(MemberList, MembersPage, _members_page)


async def _no_longer_here(update: Update, group_id: int) -> None:
    await edit(update, _("This person is no longer in the group."), [[back(group_id)]])


@group_action(RemoveMember)
async def on_remove(update: Update, context: Context, b: RemoveMember, f: Facilitating) -> None:
    rows = await group_admin.listed_members(rt(context), f.group.id)
    m = next((m for m in rows if m.membership_id == b.membership_id), None)
    if m is None:
        await _no_longer_here(update, b.group_id)
        return
    await ask(
        update,
        _(
            "Remove {name} from the group? They will receive a short neutral message and no "
            "more messages from the group."
        ).format(name=html.escape(member_label(m))),
        RemoveMemberConfirmed(b.group_id, m.membership_id),
    )


@group_action(RemoveMemberConfirmed)
async def on_removed(
    update: Update, context: Context, b: RemoveMemberConfirmed, f: Facilitating
) -> None:
    try:
        removed = await group_admin.remove_member(rt(context), f.group, b.membership_id)
    except Unavailable:
        await _no_longer_here(update, b.group_id)
        return
    await edit(
        update,
        _(
            "{name} has been removed. If they still have the invite link they could join again: "
            "make a new link to prevent that."
        ).format(name=html.escape(member_label(removed))),
        [[(_("Make a new link"), RenewInvite(b.group_id).pack())], [back(b.group_id)]],
    )


_shown_a_page_at_a_time(PartnerPick, PartnerPickPage, _partner_page)


@group_action(PartnerLink)
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
