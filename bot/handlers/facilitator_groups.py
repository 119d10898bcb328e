"""/groups and each group's menu; the menu's actions live by concern in facilitator_invite,
facilitator_calendar, facilitator_members, facilitator_report and facilitator_broadcast."""

from __future__ import annotations

import html
from collections.abc import Callable

from babel.dates import get_day_names
from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.domain.buttons import Button
from bot.domain.buttons.group_actions import (
    GroupButton,
    GroupExport,
    GroupMenu,
    GroupReport,
    LinkGroupChat,
    MemberList,
    PartnerPick,
    PauseGroup,
    Postpone,
    ResumeGroup,
    ScheduleMenu,
    ShowInvite,
)
from bot.domain.buttons.pages import GroupsPage
from bot.domain.buttons.staff import InviteFacilitator
from bot.handlers import paging
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, facilitator_or_admin, opens
from bot.i18n import _, current_language, format_when, ngettext, written_language
from bot.services import group_admin
from bot.services.group_admin import Overview
from bot.services.staff_access import Facilitating, Staff
from bot.storage import groups


def overview_text(o: Overview) -> str:
    g = o.group
    lines = [
        "<b>" + html.escape(g.name) + "</b>",
        ngettext("{n} member", "{n} members", o.members).format(n=o.members),
    ]
    if g.paused:
        lines.append(_("Paused: nothing is sent until you resume the group."))
    if o.next_meeting is not None:
        lines.append(
            _("Next meeting (week {number}): {when}").format(
                number=o.next_meeting_week, when=format_when(o.next_meeting, g.timezone)
            )
        )
    if o.next_delivery is not None:
        lines.append(
            _("Next weekly message: {when}").format(when=format_when(o.next_delivery, g.timezone))
        )
    if o.next_meeting is None and o.next_delivery is None:
        lines.append(_("The programme has ended."))
    return "\n".join(lines)


def _button(label: str, button: Button) -> tuple[str, str]:
    return (label, button.pack())


def _menu_buttons(o: Overview) -> Buttons:
    gid = o.group.id
    pause = (
        _button(_("Resume the group"), ResumeGroup(gid))
        if o.group.paused
        else _button(_("Pause the group"), PauseGroup(gid))
    )
    return [
        [_button(_("Invite link"), ShowInvite(gid)), _button(_("Members"), MemberList(gid))],
        [_button(_("Postpone one week"), Postpone(gid)), pause],
        [_button(_("Schedule and reminders"), ScheduleMenu(gid))],
        [_button(_("Report"), GroupReport(gid)), _button(_("Export CSV"), GroupExport(gid))],
        [_button(_("Link the group chat"), LinkGroupChat(gid))],
        [_button(_("Invite a member's partner"), PartnerPick(gid))],
    ]


def back(group_id: int) -> tuple[str, str]:
    """Back to the group's menu."""
    return _button(_("Back"), GroupMenu(group_id))


async def ask(update: Update, text: str, yes: GroupButton) -> None:
    """A yes/no question before an action that cannot be undone; No goes back to the menu."""
    await edit(update, text, [[_button(_("Yes"), yes), back(yes.group_id)]])


def _groups_page(
    rows: list[Overview], number: int, mine: frozenset[int], everyone: bool
) -> tuple[str, Buttons] | None:
    """A page of /groups. An admin (``everyone``) sees every group, numbered for
    /newfacilitator; the groups they do not facilitate are read-only, with the admin's own
    action instead of the group's menu: invite a facilitator for it."""

    def block(o: Overview) -> str:
        if not everyone:
            return overview_text(o)
        text = f"{o.group.id}. " + overview_text(o)
        if o.group.id not in mine:
            text += "\n" + _("You do not facilitate this group: you can see it, not change it.")
        return text

    p = paging.page(rows, number, lambda o: paging.utf16_len(block(o)) + 2)
    if p is None:
        return None
    title = _("<b>All groups</b>") if everyone else _("<b>Your groups</b>")
    text = "\n\n".join([title, *paging.title(p), *(block(o) for o in p.items)])
    buttons = [
        [_button(o.group.name[:40], GroupMenu(o.group.id))]
        if o.group.id in mine
        else [
            _button(
                _("Invite a facilitator: {group}").format(group=o.group.name)[:60],
                InviteFacilitator(o.group.id),
            )
        ]
        for o in p.items
    ]
    return text, buttons + paging.nav(p, GroupsPage)


async def _visible_groups(context: Context, who: Staff) -> list[Overview]:
    """The groups this person may see in /groups: their own, or every group for an admin."""
    ids = who.actor.groups
    if who.actor.is_admin:
        async with rt(context).engine.connect() as conn:
            ids = frozenset(g.id for g in await groups.list_all(conn))
    return await group_admin.my_groups(rt(context), ids)


@facilitator_or_admin
async def groups_command(update: Update, context: Context, who: Staff) -> None:
    rows = await _visible_groups(context, who)
    if not rows:
        await reply(
            update,
            _("There is no group yet.")
            if who.actor.is_admin and not who.actor.facilitator
            else _("You do not facilitate any group yet. Send /newgroup to set one up."),
        )
        return
    shown = _groups_page(rows, 0, who.actor.groups, who.actor.is_admin)
    assert shown is not None
    await reply(update, *shown)


@answers(GroupsPage)
@facilitator_or_admin
async def on_groups_page(update: Update, context: Context, who: Staff, asked: GroupsPage) -> None:
    rows = await _visible_groups(context, who)
    shown = _groups_page(rows, asked.page, who.actor.groups, who.actor.is_admin)
    await paging.turn(update, shown)


async def show_menu(update: Update, context: Context, group_id: int) -> None:
    """The group's menu, as the group is now (after a change, too)."""
    o = await group_admin.overview_of(rt(context), await group_admin.current(rt(context), group_id))
    await edit(update, overview_text(o), _menu_buttons(o))


async def _open_menu(update: Update, context: Context, f: Facilitating) -> None:
    await show_menu(update, context, f.group.id)


answers(GroupMenu)(opens(_open_menu))


def confirm_first(
    family: type[GroupButton], question: Callable[[], str], confirmed: type[GroupButton]
) -> None:
    """`family` asks `question` (translated when asked) before an action that cannot be
    undone: Yes is `confirmed` (the action's own handler), No goes back to the menu."""

    async def asking(update: Update, context: Context, f: Facilitating) -> None:
        await ask(update, question(), confirmed(f.group.id))

    answers(family)(opens(asking))


def weekday_name(weekday: int) -> str:
    return str(get_day_names("wide", locale=written_language(current_language()))[weekday])


def region_line(region: str | None) -> str:
    """A group's region as its settings and the /newgroup summary show it."""
    if region is None:
        return _("Region: not set")
    return _("Region: {name}").format(name=html.escape(region))  # as the HTML report says it


def region_question() -> str:
    return _(
        "Which region is the group in? Type its name as your programme's reports name it, "
        "like Ségou. Only the programme's reports use it."
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("groups", groups_command, filters=filters.ChatType.PRIVATE))
