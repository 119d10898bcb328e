"""Meeting events for the planner: guide, reminders, session log question, weekly summary.

They exist only for a group with at least one facilitator: without one Foyer cannot know the
meeting really takes place, and members should not be reminded of a meeting nobody runs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.schedule import Event, EventKind, GroupSchedule
from bot.runtime import Runtime
from bot.storage import broadcasts, outbox, people, staff
from bot.storage.groups import GroupRow

TO_FACILITATORS = (EventKind.GUIDE, EventKind.SESSION_ASK)
TO_MEMBERS_AND_CHAT = (EventKind.REMINDER_24H, EventKind.REMINDER_1H, EventKind.SUMMARY)
# What the linked group chat receives at each programme delivery: the week's question.
CHAT_QUESTION = "chat_question"

# A reminder that can no longer arrive before the meeting is worth nothing: it expires.
_USEFUL_FOR = {
    EventKind.REMINDER_24H: timedelta(hours=20),
    EventKind.REMINDER_1H: timedelta(minutes=50),
}


def chat_key(group_id: int, week: int, kind: str) -> str:
    return f"g{group_id}:w{week}:{kind}:chat"


async def full_schedule(conn: AsyncConnection, rt: Runtime, g: GroupRow) -> GroupSchedule | None:
    """The group's schedule with the meeting events its settings ask for."""
    cur = rt.curricula.get(g.curriculum_id)
    if cur is None:
        return None
    base = g.schedule(cur.weeks)
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


def _status(event: Event, now: datetime, grace: timedelta) -> str:
    limit = min(grace, _USEFUL_FOR.get(event.kind, grace))
    return outbox.EXPIRED if now - event.at > limit else outbox.PENDING


async def write_event(
    conn: AsyncConnection, g: GroupRow, event: Event, now: datetime, grace: timedelta
) -> int:
    """Fan a meeting event out: to facilitators, or to members and the linked group chat."""
    status = _status(event, now, grace)
    kind = event.kind.value
    if event.kind in TO_FACILITATORS:
        return await staff.fan_out(
            conn, group_id=g.id, week=event.week, kind=kind, due_at=event.at, status=status
        )
    n = await outbox.fan_out(
        conn, group_id=g.id, week=event.week, kind=kind, due_at=event.at, status=status
    )
    if status == outbox.PENDING:
        n += await to_chat(conn, g, event.week, kind, event.at)
    return n


async def to_chat(
    conn: AsyncConnection, g: GroupRow, week: int, kind: str, due_at: datetime
) -> int:
    """One message to the group's own Telegram chat, if one is linked."""
    if g.chat_id is None:
        return 0
    return int(
        await outbox.enqueue(
            conn,
            key=chat_key(g.id, week, kind),
            chat_id=g.chat_id,
            kind=kind,
            due_at=due_at,
            group_id=g.id,
            week=week,
        )
    )


async def plan_broadcast_summaries(rt: Runtime) -> int:
    """Once every message of a broadcast has an outcome, tell its author how it went."""
    now = rt.clock.now()
    written = 0
    async with rt.engine.begin() as conn:
        for b in await broadcasts.awaiting_summary(conn):
            outcome = await broadcasts.outcome(conn, b.id)
            if any(outcome.get(status) for status in outbox.WAITING):
                continue
            author = await people.get(conn, b.author_id) if b.author_id is not None else None
            if author is not None:
                written += int(
                    await outbox.enqueue(
                        conn,
                        key=f"b{b.id}:summary",
                        chat_id=author.telegram_id,
                        kind="broadcast_summary",
                        due_at=now,
                        person_id=author.id,
                        group_id=b.group_id,
                        ref=str(b.id),
                    )
                )
            await broadcasts.mark_summarized(conn, b.id, now)
    return written
