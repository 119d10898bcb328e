"""What is due for a group, when, and to whom: the one answer the planner writes from and the
renderers, services and commands read.

Meeting events (the guide, reminders, the session log question) exist only for a group with at
least one facilitator: without one Foyer cannot know the meeting really takes place, and
members should not be reminded of a meeting nobody runs.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outbox_kinds import OutboxKind
from bot.domain.schedule import EventKind, GroupSchedule
from bot.runtime import Runtime
from bot.storage import staff
from bot.storage.groups import GroupRow

# The messages each scheduled moment carries, in the order they are written: at delivery time
# the group chat's question, the week's prompt and, on couples weeks, the joint exercise (after
# the prompt, so each chat gets them in that order); at check-in time both check-ins.
CARRIES: dict[EventKind, tuple[OutboxKind, ...]] = {
    EventKind.PROMPT: (OutboxKind.CHAT_QUESTION, OutboxKind.PROMPT, OutboxKind.COUPLES),
    EventKind.CHECKIN: (OutboxKind.CHECKIN, OutboxKind.COUPLES_CHECKIN),
    EventKind.GUIDE: (OutboxKind.GUIDE,),
    EventKind.REMINDER_24H: (OutboxKind.REMINDER_24H,),
    EventKind.REMINDER_1H: (OutboxKind.REMINDER_1H,),
    EventKind.SESSION_ASK: (OutboxKind.SESSION_ASK,),
    EventKind.SUMMARY: (OutboxKind.SUMMARY,),
}
# Who receives them besides the members bot/domain/couples.py names: the group's facilitators,
# or (when one is linked) the group's own Telegram chat.
TO_FACILITATORS = frozenset({OutboxKind.GUIDE, OutboxKind.SESSION_ASK})
TO_CHAT = frozenset(
    {OutboxKind.CHAT_QUESTION, OutboxKind.REMINDER_24H, OutboxKind.REMINDER_1H, OutboxKind.SUMMARY}
)


def schedule_for(rt: Runtime, g: GroupRow) -> GroupSchedule | None:
    """The group's programme and meeting times (None when its curriculum is gone)."""
    cur = rt.curricula.get(g.curriculum_id)
    return g.schedule(cur.weeks) if cur else None


async def full_schedule(conn: AsyncConnection, rt: Runtime, g: GroupRow) -> GroupSchedule | None:
    """The group's schedule with the meeting events its settings ask for."""
    base = schedule_for(rt, g)
    if base is None:
        return None
    facilitated = await staff.facilitator_count(conn, g.id) > 0
    reminders: tuple[EventKind, ...] = ()
    if facilitated:
        wanted = ((EventKind.REMINDER_24H, g.reminder_24h), (EventKind.REMINDER_1H, g.reminder_1h))
        reminders = tuple(kind for kind, on in wanted if on)
    return replace(
        base,
        guide_hours_before=g.guide_hours_before if facilitated else None,
        reminders=reminders,
        session_ask=facilitated,
        weekly_summary=g.weekly_summary,
    )
