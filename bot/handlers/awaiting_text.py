"""The one typed answer a safety dialogue waits for (a concern, a focal point's answer to one):
held in memory only (user_data), for a short time; a restart simply forgets it. Help and the
safe word cancel it; a distress word inside it is the dialogue's to check, not interrupted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from telegram.ext import ContextTypes

from bot.domain.buttons.safety import ConcernStep
from bot.handlers.common import rt
from bot.i18n import _

AWAITING_KEY = "foyer.awaiting_text"
WAIT_FOR_TEXT = timedelta(minutes=30)
# Other features' "one typed answer" stores in bot_data, keyed by Telegram user id (the
# facilitators' broadcast text, for one): their text is theirs, not a cry for help to intercept.
OTHER_TEXT_DIALOGUES = ("foyer.facilitator_awaiting",)

Awaited = Literal["concern", "answer"]


def cancel_row() -> list[tuple[str, str]]:
    """The Cancel button under every step of these dialogues."""
    return [(_("Cancel"), ConcernStep("x").pack())]


def wait_for_text(context: ContextTypes.DEFAULT_TYPE, what: Awaited, value: str) -> None:
    """The person's next message is the text of this dialogue, if it comes soon enough."""
    assert context.user_data is not None
    context.user_data[AWAITING_KEY] = (what, value, rt(context).clock.now() + WAIT_FOR_TEXT)


def other_dialogue(context: ContextTypes.DEFAULT_TYPE, user_id: int, *, drop: bool) -> bool:
    found = False
    for key in OTHER_TEXT_DIALOGUES:
        store = context.application.bot_data.get(key)
        if isinstance(store, dict) and user_id in store:
            found = True
            if drop:
                store.pop(user_id, None)
    return found


def cancel_awaiting(context: ContextTypes.DEFAULT_TYPE, user_id: int | None = None) -> bool:
    """Drop a pending free-text dialogue (ours, and others' when user_id is given)."""
    data = context.user_data
    ours = data is not None and data.pop(AWAITING_KEY, None) is not None
    others = user_id is not None and other_dialogue(context, user_id, drop=True)
    return ours or others


def awaited(context: ContextTypes.DEFAULT_TYPE) -> tuple[Awaited, str] | None:
    """What this person's next message answers (and the dialogue's value), while not stale."""
    data = context.user_data
    pending = data.get(AWAITING_KEY) if data is not None else None
    if pending is None:
        return None
    what, value, until = pending
    if not isinstance(until, datetime) or rt(context).clock.now() > until:
        data.pop(AWAITING_KEY, None)  # type: ignore[union-attr]
        return None
    return what, value


def awaiting(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Is a free-text dialogue waiting for this person's next message (and not yet stale)?"""
    return awaited(context) is not None
