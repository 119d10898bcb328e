"""The one way Foyer waits for a person's next typed message: what it answers (a broadcast, an
attendance count, a time, a step of the /newgroup wizard, a concern's text, a focal point's
answer to a concern, a recorder's voice note, a reviewer's reason), held as one `Awaiting` per
person.

The choices made so far ride in button data; only "the next message answers this" is held
here, in memory (bot_data, keyed by Telegram user id). Nothing is written to the database
before the final yes, and a restart forgets the dialogue on purpose: persisting it would put
what people typed on disk before they confirmed (for a concern, before they chose to send it).
A forgotten dialogue's buttons answer as stale; it costs a few taps.

One question at a time: asking a new one replaces the last. Help and the safe word drop it
(bot/handlers/safety.py); the safety questions are answered by concern.py in its own handler
group, the audio library's by recording_input.py, every other one by facilitator_input.py;
both authorize the person again first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot.runtime import runtime_of
from bot.services.staff_access import Facilitating, Staff

_STORE = "foyer.dialogue"
# How long a wizard step or a safety dialogue waits before it is forgotten, on Foyer's clock.
LIFETIME = timedelta(minutes=30)


class Question(StrEnum):
    """What Foyer asked a person to type."""

    BROADCAST = "broadcast"  # the message itself: text, photo, voice or audio
    ATTENDANCE = "attendance"
    MEETS = "meets"  # a new meeting day and time
    DELIVERS = "delivers"  # a new weekly message day and time
    REGION = "region"  # a group's region, for the programme's reports
    EXPORT = "export"  # two dates
    REMIND = "remind"  # when the reminder goes out
    NEW_GROUP = "new_group"  # a step of the /newgroup wizard (Awaiting.step)
    CONCERN = "concern"  # a concern's text (Awaiting.value: the choices made so far)
    CONCERN_ANSWER = "concern_answer"  # a focal point's answer (Awaiting.value: concern id)
    RECORDING = "recording"  # a recorder's voice note (Awaiting.value: the key's file name)
    REJECT_REASON = "reject_reason"  # why a recording is rejected (Awaiting.value: its id)

    @property
    def safety(self) -> bool:
        """A safety dialogue's: the text is checked by its own handler (a distress word in a
        concern is the concern's to read), never by the staff input handler."""
        return self in (Question.CONCERN, Question.CONCERN_ANSWER)

    @property
    def recording(self) -> bool:
        """The audio library's: answered by recording_input.py, which authorizes a recorder
        or reviewer (not a facilitator) and reads a voice note."""
        return self in (Question.RECORDING, Question.REJECT_REASON)


@dataclass(frozen=True)
class Awaiting:
    question: Question
    group_id: int | None = None  # None: not about a group (the wizard, the safety dialogues)
    week: int | None = None
    step: int = 0
    value: str = ""
    until: datetime | None = None  # forgotten after this (None: until answered or dropped)

    def expired(self, now: datetime) -> bool:
        return self.until is not None and now > self.until


def deadline(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    """`LIFETIME` from now on Foyer's clock: when a dialogue asked now is forgotten."""
    return runtime_of(context.application).clock.now() + LIFETIME


# --- the store -----------------------------------------------------------------------------


def _store(app: Application) -> dict[int, Awaiting]:
    store: dict[int, Awaiting] = app.bot_data.setdefault(_STORE, {})
    return store


def _current(app: Application, user_id: int) -> Awaiting | None:
    """What this person's next message answers; an expired question is dropped here."""
    store = _store(app)
    found = store.get(user_id)
    if found is not None and found.expired(runtime_of(app).clock.now()):
        store.pop(user_id, None)
        return None
    return found


def expect(context: ContextTypes.DEFAULT_TYPE, user_id: int, awaiting: Awaiting) -> None:
    """This person's next typed message answers `awaiting` (replacing any earlier question)."""
    _store(context.application)[user_id] = awaiting


def waiting(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Awaiting | None:
    """What Foyer waits for from this person, left in place (None if nothing, or expired)."""
    return _current(context.application, user_id)


def take(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Awaiting | None:
    """The same, no longer waited for."""
    found = _current(context.application, user_id)
    _store(context.application).pop(user_id, None)
    return found


def forget(context: ContextTypes.DEFAULT_TYPE, user_id: int, *, safety_only: bool = False) -> bool:
    """Drop what this person's next message would answer (only a safety dialogue's, if
    `safety_only`: a concern's Cancel button leaves a broadcast asked since alone). True if
    something was still waiting."""
    found = _current(context.application, user_id)
    if found is None or (safety_only and not found.question.safety):
        return False
    _store(context.application).pop(user_id, None)
    return True


class AwaitingInput(filters.MessageFilter):
    """Private messages, not commands, from someone Foyer asked a question that ``takes``."""

    def __init__(self, app: Application, name: str, takes: Callable[[Question], bool]) -> None:
        super().__init__(name=name)
        self._app = app
        self._takes = takes

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None or message.chat.type != "private":
            return False
        found = _current(self._app, user.id)
        if found is None or not self._takes(found.question):
            return False
        return not (message.text or "").startswith("/")


def awaiting_staff_input(app: Application) -> AwaitingInput:
    """A staff answer: neither a safety dialogue's nor the audio library's."""
    return AwaitingInput(app, "AwaitingStaffInput", lambda q: not (q.safety or q.recording))


def awaiting_recorder_input(app: Application) -> AwaitingInput:
    """A recording, or the reason a recording is rejected."""
    return AwaitingInput(app, "AwaitingRecorderInput", lambda q: q.recording)


# --- who answers each staff question -------------------------------------------------------

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
        assert not question.safety, f"{question} is answered by concern.py"
        assert not question.recording, f"{question} is answered by recording_input.py"
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


def typed_step(question: Question) -> TypedStep | None:
    """Who answers this question (None for the safety dialogues, answered by concern.py)."""
    return _TYPED.get(question)
