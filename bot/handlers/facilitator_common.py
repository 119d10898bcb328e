"""What every facilitator handler shares: refusing plainly, checking the group, and waiting
for one typed answer (a broadcast, an attendance count, a time) without a stored dialogue."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot.domain.policy import Action, Actor, may
from bot.handlers.common import reply, rt
from bot.i18n import _
from bot.services import facilitation
from bot.services.group_admin import MemberEntry
from bot.storage.groups import GroupRow

_AWAITING = "foyer.facilitator_awaiting"


def refused_text() -> str:
    # The same words whatever the reason: no hint whether a group exists or whose it is.
    return _("Sorry, this is only for the group's facilitators.")


async def refuse(update: Update) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(refused_text(), show_alert=True)
    else:
        await reply(update, refused_text())


async def actor_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Actor:
    user = update.effective_user
    assert user is not None
    return await facilitation.actor(rt(context), user.id)


async def facilitator_or_refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Actor | None:
    actor = await actor_of(update, context)
    if not may(actor, Action.CREATE_GROUP):
        await refuse(update)
        return None
    return actor


async def group_or_refuse(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group_id: int
) -> GroupRow | None:
    user = update.effective_user
    assert user is not None
    g = await facilitation.authorize(rt(context), user.id, group_id)
    if g is None:
        await refuse(update)
    return g


# --- one typed answer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Awaiting:
    what: str  # broadcast | attendance | meets | delivers | export | remind
    group_id: int
    week: int | None = None


def _store(app: Application) -> dict[int, Awaiting]:
    store: dict[int, Awaiting] = app.bot_data.setdefault(_AWAITING, {})
    return store


def expect(context: ContextTypes.DEFAULT_TYPE, user_id: int, awaiting: Awaiting) -> None:
    _store(context.application)[user_id] = awaiting


def take(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Awaiting | None:
    return _store(context.application).pop(user_id, None)


def forget(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    _store(context.application).pop(user_id, None)


class AwaitingInput(filters.MessageFilter):
    """Private messages from someone Foyer has just asked for a typed answer."""

    def __init__(self, app: Application) -> None:
        super().__init__(name="AwaitingInput")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return (
            user is not None
            and message.chat.type == "private"
            and user.id in _store(self._app)
            and not (message.text or "").startswith("/")
        )


def member_label(m: MemberEntry) -> str:
    """The first name the member chose to show, or "Member 7"."""
    return m.first_name or _("Member {number}").format(number=m.number)
