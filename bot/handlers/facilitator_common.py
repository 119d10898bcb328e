"""What facilitator handlers share: the one way staff dialogues wait for the next answer (a
broadcast, an attendance count, a time, the /newgroup wizard's steps), and how a member is
named to staff.

The state is one `Awaiting` per person, in memory (bot_data): nothing is written to the
database before the final yes, a restart forgets the dialogue (its buttons then answer as
stale), and the safe word drops it (bot/handlers/safety.py knows this store)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot.i18n import _
from bot.runtime import runtime_of
from bot.services.group_admin import MemberEntry
from bot.services.staff_access import Facilitating, Staff

_AWAITING = "foyer.facilitator_awaiting"


class Question(StrEnum):
    """What Foyer asked a facilitator to type."""

    BROADCAST = "broadcast"  # the message itself: text, photo, voice or audio
    ATTENDANCE = "attendance"
    MEETS = "meets"  # a new meeting day and time
    DELIVERS = "delivers"  # a new weekly message day and time
    EXPORT = "export"  # two dates
    REMIND = "remind"  # when the reminder goes out
    NEW_GROUP = "new_group"  # a step of the /newgroup wizard (Awaiting.step)


@dataclass(frozen=True)
class Awaiting:
    question: Question
    group_id: int | None = None  # None: not about a group yet (the wizard)
    week: int | None = None
    step: int = 0
    until: datetime | None = None  # forgotten after this (the wizard's 30 minutes)

    def expired(self, now: datetime) -> bool:
        return self.until is not None and now > self.until


# A typed answer's handler. The person is authorized again when the answer comes: for the
# group (TypedAnswer), or as a facilitator (StaffTypedAnswer, for a question about no group).
TypedAnswer = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, Awaiting, Facilitating, str], Awaitable[None]
]
StaffTypedAnswer = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, Awaiting, Staff, str], Awaitable[None]
]


@dataclass(frozen=True)
class TypedStep:
    wants_text: bool  # False: it reads the message itself (a photo, a voice note)
    for_group: TypedAnswer | None = None
    for_staff: StaffTypedAnswer | None = None
    cancelled: Callable[[], str] | None = None  # what /cancel says, if not the usual


_TYPED: dict[Question, TypedStep] = {}


def _add(questions: tuple[Question, ...], step: TypedStep) -> None:
    for question in questions:
        assert question not in _TYPED, f"{question} has two handlers"
        _TYPED[question] = step


def answers_typed(
    *questions: Question, wants_text: bool = True
) -> Callable[[TypedAnswer], TypedAnswer]:
    """Make the decorated coroutine the one that takes the typed answer to these questions."""

    def register(handler: TypedAnswer) -> TypedAnswer:
        _add(questions, TypedStep(wants_text, for_group=handler))
        return handler

    return register


def answers_typed_by_staff(
    question: Question, cancelled: Callable[[], str]
) -> Callable[[StaffTypedAnswer], StaffTypedAnswer]:
    """The same for a question about no group yet: any facilitator may answer it."""

    def register(handler: StaffTypedAnswer) -> StaffTypedAnswer:
        _add((question,), TypedStep(True, for_staff=handler, cancelled=cancelled))
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


def waiting(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Awaiting | None:
    """What Foyer waits for from this person, left in place."""
    return _store(context.application).get(user_id)


def forget(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    _store(context.application).pop(user_id, None)


class AwaitingInput(filters.MessageFilter):
    """Private messages from someone Foyer has just asked for a typed answer."""

    def __init__(self, app: Application) -> None:
        super().__init__(name="AwaitingInput")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None or message.chat.type != "private":
            return False
        store = _store(self._app)
        found = store.get(user.id)
        if found is not None and found.expired(runtime_of(self._app).clock.now()):
            store.pop(user.id, None)  # a wizard left alone: forgotten, like a closed one
            return False
        return found is not None and not (message.text or "").startswith("/")


def member_label(m: MemberEntry) -> str:
    """The first name the member chose to show, or "Member 7"."""
    return m.first_name or _("Member {number}").format(number=m.number)
