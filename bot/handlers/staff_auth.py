"""Who may press a staff button or send a staff command: decided once, here, by a decorator
that passes the authorized person (and group) down to the handler. A refusal is the same words
whatever is wrong, whether or not the group exists, so nothing is revealed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.buttons.group_actions import OfGroup
from bot.domain.buttons.pages import ListPage
from bot.domain.policy import Action, Actor, NotAllowed, may
from bot.handlers import paging
from bot.handlers.common import Buttons, reply, rt
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _
from bot.services import concerns, staff_access
from bot.services.staff_access import Facilitating, Staff

Context = ContextTypes.DEFAULT_TYPE
G = TypeVar("G", bound=OfGroup)
P = ParamSpec("P")
GroupHandler = Callable[[Update, Context, G, Facilitating], Coroutine[Any, Any, None]]


def refused_text() -> str:
    # The same words whatever the reason: no hint whether a group exists or whose it is.
    return _("Sorry, this is only for the group's facilitators.")


async def refuse(update: Update) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(refused_text(), show_alert=True)
    else:
        await reply(update, refused_text())


def telegram_id(update: Update) -> int:
    """The person who sent the update (every update a staff handler gets has one)."""
    user = update.effective_user
    if user is None:
        raise ValueError("an update without a sender")
    return user.id


async def staff_of(update: Update, context: Context) -> Staff:
    return await staff_access.staff_of(rt(context), telegram_id(update))


async def facilitating(update: Update, context: Context, group_id: int) -> Facilitating | None:
    """The person and the group if they facilitate it now; else refused, and None."""
    try:
        return await staff_access.facilitating(rt(context), telegram_id(update), group_id)
    except NotAllowed:
        await refuse(update)
        return None


def facilitates_group(
    handler: GroupHandler[G],
) -> Callable[[Update, Context, G], Coroutine[Any, Any, None]]:
    """A button about one group, pressed by someone who facilitates that group now."""

    @functools.wraps(handler)
    async def authorized(update: Update, context: Context, button: G) -> None:
        found = await facilitating(update, context, button.group_id)
        if found is not None:
            await handler(update, context, button, found)

    return authorized


def acknowledged(
    handler: Callable[Concatenate[Update, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[Update, P], Coroutine[Any, Any, None]]:
    """Answer the press at once (the spinner stops), then act: for actions that then edit the
    message and never answer the press themselves."""

    @functools.wraps(handler)
    async def acknowledging(update: Update, *args: P.args, **kwargs: P.kwargs) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await handler(update, *args, **kwargs)

    return acknowledging


def group_action(
    family: type[G],
) -> Callable[[GroupHandler[G]], GroupHandler[G]]:
    """The one handler of a button about one group (a group-menu action, say): whoever presses
    it must facilitate the group now; the press is acknowledged, then the handler acts."""

    def register(handler: GroupHandler[G]) -> GroupHandler[G]:
        answers(family)(facilitates_group(acknowledged(handler)))
        return handler

    return register


def opens(
    show: Callable[[Update, Context, Facilitating], Coroutine[Any, Any, None]],
) -> Callable[[Update, Context, OfGroup], Coroutine[Any, Any, None]]:
    """A button that only opens something for its group (a menu, a command's first question):
    authorized, acknowledged, then `show`. Answer it with `answers(Family)(opens(show))`."""

    async def opening(update: Update, context: Context, _b: OfGroup, f: Facilitating) -> None:
        await show(update, context, f)

    return facilitates_group(acknowledged(opening))


def _role_only(
    allowed: Callable[[Actor], bool],
) -> Callable[
    [Callable[Concatenate[Update, Context, Staff, P], Coroutine[Any, Any, None]]],
    Callable[Concatenate[Update, Context, P], Coroutine[Any, Any, None]],
]:
    def decorate(
        handler: Callable[Concatenate[Update, Context, Staff, P], Coroutine[Any, Any, None]],
    ) -> Callable[Concatenate[Update, Context, P], Coroutine[Any, Any, None]]:
        @functools.wraps(handler)
        async def authorized(
            update: Update, context: Context, *args: P.args, **kwargs: P.kwargs
        ) -> None:
            who = await staff_of(update, context)
            if not allowed(who.actor):
                await refuse(update)
                return
            await handler(update, context, who, *args, **kwargs)

        return authorized

    return decorate


# A command or button of any active facilitator (not about one group: /broadcast, /newgroup).
facilitator_only = _role_only(lambda a: may(a, Action.CREATE_GROUP))
# An admin's: inviting facilitators.
admin_only = _role_only(lambda a: may(a, Action.MANAGE_FACILITATORS))
# /groups: a facilitator sees their groups, an admin every group.
facilitator_or_admin = _role_only(lambda a: a.is_admin or may(a, Action.CREATE_GROUP))

Page = tuple[str, Buttons] | None  # a list's page as paging.turn shows it (None: no such page)


def admin_pages(
    family: type[ListPage], build: Callable[[Context, int], Coroutine[Any, Any, Page]]
) -> None:
    """Previous / Next in an admin's list: ``build`` makes page N, for admins only."""

    async def turning(update: Update, context: Context, _who: Staff, asked: ListPage) -> None:
        await paging.turn(update, await build(context, asked.page))

    answers(family)(admin_only(turning))


def focal_point_only(
    handler: Callable[Concatenate[Update, Context, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[Update, Context, P], Coroutine[Any, Any, None]]:
    """For the safeguarding focal points named in the settings. To anyone else a focal point's
    button is stale, as if it never existed (as concern.py answers today)."""

    @functools.wraps(handler)
    async def authorized(
        update: Update, context: Context, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        if not concerns.is_focal_point(rt(context), telegram_id(update)):
            if update.callback_query is not None:
                await answer_stale(update)
            else:
                await refuse(update)
            return
        await handler(update, context, *args, **kwargs)

    return authorized
