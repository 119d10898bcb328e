"""The kinds of message Foyer sends on its own initiative, and how long each is worth sending.

The values are what the outbox rows and their keys hold (``g42:w3:prompt:m1234``), so they never
change: a row written by an earlier version is still sent by this one. Each kind has exactly one
renderer in bot/delivery/kinds/, checked when the application is built.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class OutboxKind(StrEnum):
    # The weekly programme (bot/domain/couples.py says who receives which).
    PROMPT = "prompt"
    CHECKIN = "checkin"
    COUPLES = "couples"  # the joint exercise of a couples week
    COUPLES_CHECKIN = "couples_checkin"
    # Around each meeting (bot/delivery/due.py says who receives them).
    GUIDE = "guide"  # the session plan, to the group's facilitators
    REMINDER_24H = "reminder_24h"  # to members and the linked group chat
    REMINDER_1H = "reminder_1h"
    SESSION_ASK = "session_ask"  # "did the session take place?", to facilitators
    SUMMARY = "summary"  # "how our group did", to members and the chat
    CHAT_QUESTION = "chat_question"  # the week's question, to the linked group chat
    # From facilitators and admins.
    BROADCAST = "broadcast"
    REMIND = "remind"  # a facilitator's one-off reminder of the next meeting
    BROADCAST_SUMMARY = "broadcast_summary"  # to the broadcast's author, once all went out
    REMOVED = "removed"  # to a member a facilitator removed
    # Safety.
    CONTACT_REQUEST = "contact_request"  # to a focal point: someone asked to talk to a person
    CONCERNS_NEW = "concerns_new"  # to each focal point, once per window
    CONCERN_NEW = "concern_new"  # one concern a message: rows written before they were grouped
    CONCERN_STATUS = "concern_status"  # to the reporter: received / closed
    # Programme-wide monitoring: last month's figures, to each admin and focal point.
    PROGRAMME_SUMMARY = "programme_summary"


# The kinds that carry a curriculum week, in the order a week's messages arrive (what
# `foyer content check` renders for every week and language).
WEEKLY_KINDS = (
    OutboxKind.PROMPT,
    OutboxKind.COUPLES,
    OutboxKind.CHECKIN,
    OutboxKind.COUPLES_CHECKIN,
    OutboxKind.GUIDE,
)

# A reminder that can no longer arrive well before the meeting is worth nothing.
_USEFUL_FOR: dict[str, timedelta] = {
    OutboxKind.REMINDER_24H: timedelta(hours=20),
    OutboxKind.REMINDER_1H: timedelta(minutes=50),
}


def useful_for(kind: str, grace: timedelta) -> timedelta:
    """How long after it was due a message of this kind is still worth sending: the grace
    period (FOYER_GRACE_HOURS), or less for a reminder."""
    return min(grace, _USEFUL_FOR.get(kind, grace))


def worth_sending(kind: str, due_at: datetime, now: datetime, grace: timedelta) -> bool:
    """Whether a message due at ``due_at`` still goes out at ``now``; otherwise it expires.
    The planner asks it before writing, the sender's expiry is the same rule in SQL."""
    return now - due_at <= useful_for(kind, grace)
