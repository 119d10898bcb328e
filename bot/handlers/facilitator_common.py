"""What facilitator handlers share: waiting for one typed answer (a broadcast, an attendance
count, a time) without a stored dialogue, and how a member is named to staff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot.i18n import _
from bot.services.group_admin import MemberEntry
from bot.services.staff_access import Facilitating

_AWAITING = "foyer.facilitator_awaiting"


class Question(StrEnum):
    """What Foyer asked a facilitator to type."""

    BROADCAST = "broadcast"  # the message itself: text, photo, voice or audio
    ATTENDANCE = "attendance"
    MEETS = "meets"  # a new meeting day and time
    DELIVERS = "delivers"  # a new weekly message day and time
    EXPORT = "export"  # two dates
    REMIND = "remind"  # when the reminder goes out


@dataclass(frozen=True)
class Awaiting:
    question: Question
    group_id: int
    week: int | None = None


# A typed answer's handler: the person is authorized for the group again when the answer comes.
TypedAnswer = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, Awaiting, Facilitating, str], Awaitable[None]
]


@dataclass(frozen=True)
class TypedStep:
    handler: TypedAnswer
    wants_text: bool  # False: it reads the message itself (a photo, a voice note)


_TYPED: dict[Question, TypedStep] = {}


def answers_typed(
    *questions: Question, wants_text: bool = True
) -> Callable[[TypedAnswer], TypedAnswer]:
    """Make the decorated coroutine the one that takes the typed answer to these questions."""

    def register(handler: TypedAnswer) -> TypedAnswer:
        for question in questions:
            assert question not in _TYPED, f"{question} has two handlers"
            _TYPED[question] = TypedStep(handler, wants_text)
        return handler

    return register


def typed_step(question: Question) -> TypedStep:
    return _TYPED[question]


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
