"""/groups and each group's menu: invite link, postpone, pause, schedule, reminders, members."""

from __future__ import annotations

import html

from babel.dates import get_day_names
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.domain.policy import Action, Actor, may
from bot.domain.schedule import ScheduleError
from bot.handlers import paging
from bot.handlers.callbacks import (
    GUIDE_HOURS,
    ROUTES,
    GroupAction,
    admin_invite_data,
    group_action_data,
    parse_group_action,
)
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.facilitator_common import (
    Awaiting,
    actor_of,
    expect,
    group_or_refuse,
    member_label,
    refuse,
)
from bot.handlers.facilitator_roles import invite_link
from bot.handlers.partner_staff import invitation_text
from bot.i18n import _, current_language, format_when, ngettext
from bot.services import couples, group_admin
from bot.services.couples import PartnerProblem
from bot.services.group_admin import MemberEntry, Overview
from bot.storage import groups

TOGGLE_NAMES = ("reminder_24h", "reminder_1h", "weekly_summary")


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


def _menu_buttons(o: Overview) -> Buttons:
    gid = o.group.id
    pause = (
        (_("Resume the group"), group_action_data(gid, "r"))
        if o.group.paused
        else (_("Pause the group"), group_action_data(gid, "z"))
    )
    return [
        [
            (_("Invite link"), group_action_data(gid, "i")),
            (_("Members"), group_action_data(gid, "l")),
        ],
        [(_("Postpone one week"), group_action_data(gid, "p")), pause],
        [(_("Schedule and reminders"), group_action_data(gid, "s"))],
        [
            (_("Report"), group_action_data(gid, "rp")),
            (_("Export CSV"), group_action_data(gid, "ex")),
        ],
        [(_("Link the group chat"), group_action_data(gid, "k"))],
        [(_("Invite a member's partner"), group_action_data(gid, "pi"))],
    ]


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
        [(o.group.name[:40], group_action_data(o.group.id, "m"))]
        if o.group.id in mine
        else [
            (
                _("Invite a facilitator: {group}").format(group=o.group.name)[:60],
                admin_invite_data(o.group.id),
            )
        ]
        for o in p.items
    ]
    return text, buttons + paging.nav(p, "g")


async def _visible_groups(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[list[Overview], Actor] | None:
    """The groups this person may see in /groups: their own, or every group for an admin."""
    actor = await actor_of(update, context)
    if actor.is_admin:
        async with rt(context).engine.connect() as conn:
            ids = frozenset(g.id for g in await groups.list_all(conn))
        return await group_admin.my_groups(rt(context), ids), actor
    if not may(actor, Action.CREATE_GROUP):
        await refuse(update)
        return None
    return await group_admin.my_groups(rt(context), actor.groups), actor


async def groups_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _visible_groups(update, context)
    if found is None:
        return
    rows, actor = found
    if not rows:
        await reply(
            update,
            _("There is no group yet.")
            if actor.is_admin and not actor.facilitator
            else _("You do not facilitate any group yet. Send /newgroup to set one up."),
        )
        return
    shown = _groups_page(rows, 0, actor.groups, actor.is_admin)
    assert shown is not None
    await reply(update, *shown)


async def on_groups_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asked = await paging.asked(update)
    if asked is None:
        return
    found = await _visible_groups(update, context)
    if found is None:
        return
    rows, actor = found
    await paging.turn(update, _groups_page(rows, asked.page, actor.groups, actor.is_admin))


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, group_id: int) -> None:
    user = update.effective_user
    assert user is not None
    o = await group_admin.overview(rt(context), user.id, group_id)
    if o is None:
        await refuse(update)
        return
    await edit(update, overview_text(o), _menu_buttons(o))


async def on_group_action(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    action = parse_group_action(query.data or "")
    if action is None:
        await query.answer(_("This button no longer works."))
        return
    # Authorization first, for every action: the same refusal whatever is wrong.
    if await group_or_refuse(update, context, action.group_id) is None:
        return
    await query.answer()
    handler = ACTIONS.get(action.action)
    if handler is None:  # report, export and chat linking live in their own modules
        from bot.handlers import facilitator_input

        await facilitator_input.group_action(update, context, action)
        return
    await handler(update, context, action)


def _back(gid: int) -> tuple[str, str]:
    return (_("Back"), group_action_data(gid, "m"))


async def _menu(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await show_menu(update, context, a.group_id)


# --- invite link -------------------------------------------------------------------------------


async def _invite(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    found = await group_admin.invite_code(rt(context), uid, a.group_id)
    if found is None:
        await refuse(update)
        return
    g, code = found
    if code is None:
        text = _("<b>{group}</b> has no working invite link. Make a new one to let people join.")
    else:
        text = (
            _("The invite link of <b>{group}</b>:")
            + "\n"
            + html.escape(invite_link(context.bot.username, code))
        )
    buttons = [
        [(_("Make a new link"), group_action_data(a.group_id, "ir"))],
        [(_("Stop the link"), group_action_data(a.group_id, "ix"))],
        [_back(a.group_id)],
    ]
    await edit(update, text.format(group=html.escape(g.name)), buttons)


async def _ask(update: Update, text: str, yes: str, gid: int, arg: int | None = None) -> None:
    await edit(
        update,
        text,
        [[(_("Yes"), group_action_data(gid, yes, arg)), (_("No"), group_action_data(gid, "m"))]],
    )


async def _renew_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await _ask(
        update,
        _("Make a new invite link? The old link will stop working for people who have not joined."),
        "iry",
        a.group_id,
    )


async def _renew(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    code = await group_admin.renew_invite(rt(context), uid, a.group_id)
    if code is None:
        await refuse(update)
        return
    await edit(
        update,
        _("Done. The new invite link:")
        + "\n"
        + html.escape(invite_link(context.bot.username, code)),
        [[_back(a.group_id)]],
    )


async def _revoke_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await _ask(
        update,
        _("Stop the invite link? Nobody new can join until you make a new one."),
        "ixy",
        a.group_id,
    )


async def _revoke(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    if await group_admin.revoke_invite(rt(context), uid, a.group_id) is None:
        await refuse(update)
        return
    await edit(update, _("Done. The invite link no longer works."), [[_back(a.group_id)]])


# --- calendar ----------------------------------------------------------------------------------


async def _postpone_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await _ask(
        update,
        _(
            "Postpone the next meeting by one week (a holiday, say)? Every later week moves "
            "one week too, and so do the weekly messages."
        ),
        "py",
        a.group_id,
    )


async def _postpone(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    result = await group_admin.postpone(rt(context), uid, a.group_id)
    if result is None:
        await refuse(update)
        return
    if result is False or result is True:
        await edit(update, _("There is no meeting left to postpone."), [[_back(a.group_id)]])
        return
    o = await group_admin.overview(rt(context), uid, a.group_id)
    tz = o.group.timezone if o else "UTC"
    await edit(
        update,
        _("Done. The meeting of week {number} is now on {when}.").format(
            number=result.week, when=format_when(result.meeting, tz)
        ),
        [[_back(a.group_id)]],
    )


async def _pause_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await _ask(
        update,
        _(
            "Pause the whole group? Members receive nothing until you resume it. When you "
            "resume, the programme continues with the week it stopped at."
        ),
        "zy",
        a.group_id,
    )


async def _set_paused(
    update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction, paused: bool
) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    if await group_admin.set_paused(rt(context), uid, a.group_id, paused) is None:
        await refuse(update)
        return
    await show_menu(update, context, a.group_id)


async def _pause(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await _set_paused(update, context, a, True)


async def _resume(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await _set_paused(update, context, a, False)


def weekday_name(weekday: int) -> str:
    return str(get_day_names("wide", locale=current_language())[weekday])


def _on_off(on: bool) -> str:
    return _("on") if on else _("off")


async def _schedule(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    o = await group_admin.overview(rt(context), uid, a.group_id)
    if o is None:
        await refuse(update)
        return
    g = o.group
    lines = [
        "<b>" + html.escape(g.name) + "</b>",
        _("Meeting: every {day} at {time} ({timezone})").format(
            day=weekday_name(g.meet_weekday), time=f"{g.meet_time:%H:%M}", timezone=g.timezone
        ),
        _("Weekly message: {day} at {time}").format(
            day=weekday_name(g.deliver_weekday), time=f"{g.deliver_time:%H:%M}"
        ),
        _("Discussion guide: {hours} h before the meeting").format(hours=g.guide_hours_before),
        _("Reminder 24 h before: {state}").format(state=_on_off(g.reminder_24h)),
        _("Reminder 1 h before: {state}").format(state=_on_off(g.reminder_1h)),
        _("Weekly group summary to members: {state}").format(state=_on_off(g.weekly_summary)),
    ]
    gid = g.id
    buttons = [
        [(_("Change the meeting time"), group_action_data(gid, "sm"))],
        [(_("Change the weekly message time"), group_action_data(gid, "sd"))],
        [
            (
                ("✓ " if hours == g.guide_hours_before else "")
                + _("Guide {hours} h before").format(hours=hours),
                group_action_data(gid, "gh", hours),
            )
            for hours in GUIDE_HOURS
        ],
        [
            (
                _("Reminder 24 h: turn {state}").format(state=_on_off(not g.reminder_24h)),
                group_action_data(gid, "t", 0),
            )
        ],
        [
            (
                _("Reminder 1 h: turn {state}").format(state=_on_off(not g.reminder_1h)),
                group_action_data(gid, "t", 1),
            )
        ],
        [
            (
                _("Summary: turn {state}").format(state=_on_off(not g.weekly_summary)),
                group_action_data(gid, "t", 2),
            )
        ],
        [_back(gid)],
    ]
    await edit(update, "\n".join(lines), buttons)


async def _toggle(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    assert a.arg is not None
    if await group_admin.toggle(rt(context), uid, a.group_id, TOGGLE_NAMES[a.arg]) is None:
        await refuse(update)
        return
    await _schedule(update, context, a)


async def _guide_hours(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    """How long before the meeting the facilitators get the discussion guide."""
    uid = update.effective_user.id  # type: ignore[union-attr]
    assert a.arg is not None
    if not await group_admin.set_guide_hours(rt(context), uid, a.group_id, a.arg):
        await refuse(update)
        return
    await _schedule(update, context, a)


async def _ask_meets(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    expect(context, update.effective_user.id, Awaiting("meets", a.group_id))  # type: ignore[union-attr]
    await edit(
        update,
        _("Send the new meeting day and time, like this: thu 17:00 (or /cancel)."),
    )


async def _ask_delivers(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    expect(context, update.effective_user.id, Awaiting("delivers", a.group_id))  # type: ignore[union-attr]
    await edit(
        update,
        _("Send the new day and time of the weekly message, like this: fri 09:00 (or /cancel)."),
    )


async def schedule_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: Awaiting, text: str
) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    try:
        fresh = await group_admin.edit_schedule(
            rt(context),
            uid,
            awaiting.group_id,
            meets=text if awaiting.what == "meets" else None,
            delivers=text if awaiting.what == "delivers" else None,
        )
    except ScheduleError:
        expect(context, uid, awaiting)  # let them try again
        await reply(
            update,
            _("Sorry, I did not understand. Please send a day and a time, like this: thu 17:00"),
        )
        return
    if fresh is None:
        await refuse(update)
        return
    await reply(update, _("Done. The schedule is changed."), [[_back(awaiting.group_id)]])


# --- members -----------------------------------------------------------------------------------


async def _members(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await show_members(update, context, a.group_id, 0)  # the caller answered the button


def _label_size(m: MemberEntry) -> int:
    return paging.utf16_len(html.escape(member_label(m))) + 1


async def show_members(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group_id: int, number: int
) -> bool:
    """A page of the member list, each with a button to remove them. False when it answered
    the button itself instead (refused, or no such page)."""
    uid = update.effective_user.id  # type: ignore[union-attr]
    rows = await group_admin.members(rt(context), uid, group_id)
    if rows is None:
        await refuse(update)
        return False
    if not rows:
        await edit(update, _("Nobody has joined yet."), [[_back(group_id)]])
        return True
    p = paging.page(rows, number, _label_size)
    if p is None:
        await paging.stale(update)
        return False
    lines = [ngettext("{n} member:", "{n} members:", len(rows)).format(n=len(rows))]
    lines += paging.title(p)
    lines += [html.escape(member_label(m)) for m in p.items]
    lines.append(_("To remove someone who broke the code of conduct, tap their name."))
    buttons = [
        [
            (
                _("Remove {name}").format(name=member_label(m))[:60],
                group_action_data(group_id, "d", m.membership_id),
            )
        ]
        for m in p.items
    ]
    buttons += paging.nav(p, "m", group_id)
    buttons.append([_back(group_id)])
    await edit(update, "\n".join(lines), buttons)
    return True


async def _remove_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    rows = await group_admin.members(rt(context), uid, a.group_id) or []
    m = next((m for m in rows if m.membership_id == a.arg), None)
    if m is None:
        await edit(update, _("This person is no longer in the group."), [[_back(a.group_id)]])
        return
    await _ask(
        update,
        _(
            "Remove {name} from the group? They will receive a short neutral message and no "
            "more messages from the group."
        ).format(name=html.escape(member_label(m))),
        "dy",
        a.group_id,
        m.membership_id,
    )


async def _remove(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    assert a.arg is not None
    removed = await group_admin.remove_member(rt(context), uid, a.group_id, a.arg)
    if removed is None:
        await edit(update, _("This person is no longer in the group."), [[_back(a.group_id)]])
        return
    await edit(
        update,
        _(
            "{name} has been removed. If they still have the invite link they could join again: "
            "make a new link to prevent that."
        ).format(name=html.escape(member_label(removed))),
        [[(_("Make a new link"), group_action_data(a.group_id, "ir"))], [_back(a.group_id)]],
    )


# --- partner invitations (couples track) -------------------------------------------------------


async def _partner_pick(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    await show_partner_pick(update, context, a.group_id, 0)  # the caller answered the button


async def show_partner_pick(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group_id: int, number: int
) -> bool:
    uid = update.effective_user.id  # type: ignore[union-attr]
    rows = await group_admin.members(rt(context), uid, group_id)
    if rows is None:
        await refuse(update)
        return False
    if not rows:
        await edit(update, _("Nobody has joined yet."), [[_back(group_id)]])
        return True
    p = paging.page(rows, number)
    if p is None:
        await paging.stale(update)
        return False
    buttons = [
        [(member_label(m)[:60], group_action_data(group_id, "pm", m.membership_id))]
        for m in p.items
    ]
    buttons += paging.nav(p, "i", group_id)
    buttons.append([_back(group_id)])
    text = _(
        "Whose partner do you want to invite? You will get a one-time link to give to her "
        "yourself, for example at a couples session."
    )
    await edit(update, "\n\n".join([text, *paging.title(p)]), buttons)
    return True


async def on_members_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Previous / Next in a group's member list or its partner-invitation choice."""
    query = update.callback_query
    assert query is not None
    asked = await paging.asked(update)
    if asked is None:
        return
    if asked.group_id is None:
        await paging.stale(update)
        return
    if await group_or_refuse(update, context, asked.group_id) is None:
        return
    show = show_members if asked.list_code == "m" else show_partner_pick
    if await show(update, context, asked.group_id, asked.page):
        await query.answer()


async def _partner_link(update: Update, context: ContextTypes.DEFAULT_TYPE, a: GroupAction) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    assert a.arg is not None
    made = await couples.invite_partner_for(rt(context), uid, a.group_id, a.arg)
    if made is None:
        await refuse(update)
        return
    if isinstance(made, PartnerProblem):
        text = (
            _("This group does not have couples exercises.")
            if made is PartnerProblem.NO_TRACK
            else _("This person is no longer in the group.")
        )
        await edit(update, text, [[_back(a.group_id)]])
        return
    await edit(update, invitation_text(made, context.bot.username), [[_back(a.group_id)]])


ACTIONS = {
    "m": _menu,
    "i": _invite,
    "ir": _renew_ask,
    "iry": _renew,
    "ix": _revoke_ask,
    "ixy": _revoke,
    "p": _postpone_ask,
    "py": _postpone,
    "z": _pause_ask,
    "zy": _pause,
    "r": _resume,
    "s": _schedule,
    "sm": _ask_meets,
    "sd": _ask_delivers,
    "t": _toggle,
    "gh": _guide_hours,
    "l": _members,
    "d": _remove_ask,
    "dy": _remove,
    "pi": _partner_pick,
    "pm": _partner_link,
}


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("groups", groups_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_group_action, pattern=ROUTES["fac_group"]))
    app.add_handler(CallbackQueryHandler(on_groups_page, pattern=ROUTES["page_groups"]))
    app.add_handler(CallbackQueryHandler(on_members_page, pattern=ROUTES["page_members"]))
