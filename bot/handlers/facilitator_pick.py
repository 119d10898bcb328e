"""Choosing the group for /broadcast, /remind, /report and /export: straight on when the
facilitator has one group, else a choice, a page at a time. The chosen group's button is the
command's own family (BroadcastTo, RemindFor, ReportOn, ExportFor), answered where the command
lives."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.domain.buttons.pages import PickPage
from bot.domain.buttons.staff import PICKS, PickedGroup
from bot.handlers import paging
from bot.handlers.common import Buttons, reply, rt
from bot.handlers.dialogue import forget
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, facilitating, facilitator_only
from bot.i18n import _
from bot.services import group_admin
from bot.services.staff_access import Facilitating, Staff

Start = Callable[[Update, Context, Facilitating], Coroutine[Any, Any, None]]


def picking_command(
    family: type[PickedGroup], start: Start
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """The command: `start` straight on for the facilitator's only group, else the choice,
    whose buttons (`family`, answered with `opens(start)` by the command's module) start it."""

    @facilitator_only
    async def command(update: Update, context: Context, who: Staff) -> None:
        f = await pick_group(update, context, who, family)
        if f is not None:
            await start(update, context, f)

    return command


async def pick_group(
    update: Update, context: Context, who: Staff, family: type[PickedGroup]
) -> Facilitating | None:
    """The facilitator's only group, to go straight on with; None when a choice was shown
    instead (or nothing to choose from)."""
    forget(context, who.telegram_id)  # a new command: the answer asked for before is dropped
    groups = who.actor.groups
    if not groups:
        await reply(update, _("You do not facilitate any group yet. Send /newgroup to set one up."))
        return None
    if len(groups) == 1:
        (gid,) = groups
        return await facilitating(update, context, gid)
    shown = await _pick_page(context, groups, family, 0)
    assert shown is not None
    await reply(update, *shown)
    return None


async def _pick_page(
    context: Context, group_ids: frozenset[int], family: type[PickedGroup], number: int
) -> tuple[str, Buttons] | None:
    rows = [o.group for o in await group_admin.my_groups(rt(context), group_ids)]
    p = paging.page(rows, number)
    if p is None:
        return None
    text = "\n".join([_("For which group?"), *paging.title(p)])
    buttons = [[(g.name[:40], family(g.id).pack())] for g in p.items]
    return text, buttons + paging.nav(p, lambda n: PickPage(family.LETTER, n))


@answers(PickPage)
@facilitator_only
async def on_pick_page(update: Update, context: Context, who: Staff, asked: PickPage) -> None:
    shown = await _pick_page(context, who.actor.groups, PICKS[asked.purpose], asked.page)
    await paging.turn(update, shown)
