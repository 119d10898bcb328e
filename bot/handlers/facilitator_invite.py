"""A group's invite link (show, renew, stop) and the code that links its Telegram chat."""

from __future__ import annotations

import html

from telegram import Update

from bot.domain.buttons.group_actions import (
    LinkGroupChat,
    RenewInvite,
    RenewInviteConfirmed,
    ShowInvite,
    StopInvite,
    StopInviteConfirmed,
)
from bot.handlers.common import edit, rt
from bot.handlers.facilitator_groups import back, confirm_first
from bot.handlers.facilitator_roles import invite_link
from bot.handlers.staff_auth import Context, group_action
from bot.i18n import _
from bot.services import group_admin
from bot.services.staff_access import Facilitating


@group_action(ShowInvite)
async def on_show(update: Update, context: Context, _b: ShowInvite, f: Facilitating) -> None:
    code = await group_admin.invite_code(rt(context), f.group)
    if code is None:
        text = _("<b>{group}</b> has no working invite link. Make a new one to let people join.")
    else:
        text = (
            _("The invite link of <b>{group}</b>:")
            + "\n"
            + html.escape(invite_link(context.bot.username, code))
        )
    gid = f.group.id
    buttons = [
        [(_("Make a new link"), RenewInvite(gid).pack())],
        [(_("Stop the link"), StopInvite(gid).pack())],
        [back(gid)],
    ]
    await edit(update, text.format(group=html.escape(f.group.name)), buttons)


confirm_first(
    RenewInvite,
    lambda: _(
        "Make a new invite link? The old link will stop working for people who have not joined."
    ),
    RenewInviteConfirmed,
)


@group_action(RenewInviteConfirmed)
async def on_renewed(
    update: Update, context: Context, _b: RenewInviteConfirmed, f: Facilitating
) -> None:
    code = await group_admin.renew_invite(rt(context), f.group)
    await edit(
        update,
        _("Done. The new invite link:")
        + "\n"
        + html.escape(invite_link(context.bot.username, code)),
        [[back(f.group.id)]],
    )


confirm_first(
    StopInvite,
    lambda: _("Stop the invite link? Nobody new can join until you make a new one."),
    StopInviteConfirmed,
)


@group_action(StopInviteConfirmed)
async def on_stopped(
    update: Update, context: Context, _b: StopInviteConfirmed, f: Facilitating
) -> None:
    await group_admin.revoke_invite(rt(context), f.group)
    await edit(update, _("Done. The invite link no longer works."), [[back(f.group.id)]])


@group_action(LinkGroupChat)
async def on_link_chat(
    update: Update, context: Context, _b: LinkGroupChat, f: Facilitating
) -> None:
    g = f.group
    code = await group_admin.chat_link_code(rt(context), g)
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
        [[back(g.id)]],
    )
