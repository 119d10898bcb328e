"""The planner: writes what is due into the outbox. Idempotent, so ticks may repeat freely."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery import meetings
from bot.domain.couples import recipients
from bot.domain.curriculum import Curriculum
from bot.domain.schedule import Event, EventKind, GroupSchedule
from bot.runtime import Runtime
from bot.storage import groups, outbox
from bot.storage.groups import GroupRow

log = logging.getLogger(__name__)


def schedule_for(rt: Runtime, g: GroupRow) -> GroupSchedule | None:
    cur = rt.curricula.get(g.curriculum_id)
    return g.schedule(cur.weeks) if cur else None


# One scheduled moment can carry several kinds of message: at delivery time the week's prompt
# and, on couples weeks, the joint exercise; at check-in time both check-ins.
PROGRAMME_KINDS: dict[EventKind, tuple[str, ...]] = {
    EventKind.PROMPT: ("prompt", "couples"),
    EventKind.CHECKIN: ("checkin", "couples_checkin"),
}


async def write_event(
    conn: AsyncConnection,
    g: GroupRow,
    cur: Curriculum,
    event: Event,
    now: datetime,
    grace: timedelta,
) -> int:
    """Fan one scheduled event out to the group's members; late beyond grace = expired."""
    if event.kind not in PROGRAMME_KINDS:  # guide, reminders, session log, weekly summary
        return await meetings.write_event(conn, g, event, now, grace)
    status = outbox.EXPIRED if now - event.at > grace else outbox.PENDING
    written = 0
    if event.kind is EventKind.PROMPT and status == outbox.PENDING:
        written += await meetings.to_chat(conn, g, event.week, meetings.CHAT_QUESTION, event.at)
    for kind in PROGRAMME_KINDS.get(event.kind, ()):
        roles = recipients(kind, event.week, cur, g.couples_weeks)
        if roles:
            written += await outbox.fan_out(
                conn,
                group_id=g.id,
                week=event.week,
                kind=kind,
                due_at=event.at,
                status=status,
                roles=roles,
            )
    return written


async def tick(rt: Runtime) -> int:
    """Plan everything due up to now; returns the number of outbox rows written."""
    now = rt.clock.now()
    grace = timedelta(hours=rt.settings.grace_hours)
    written = 0
    async with rt.engine.connect() as conn:
        due = await groups.due(conn, now)
    for g in due:
        cur = rt.curricula.get(g.curriculum_id)
        # One transaction per group: a crash leaves each group either planned or not.
        async with rt.engine.begin() as conn:
            schedule = await meetings.full_schedule(conn, rt, g)
            if schedule is None or cur is None:
                log.warning("planner.unknown_curriculum group=%s", g.id)
                await groups.advance_cursor(conn, g.id, now, None)
                continue
            for event in schedule.events_between(g.planned_until, now):
                n = await write_event(conn, g, cur, event, now, grace)
                written += n
                log.info(
                    "planner.event group=%s week=%s kind=%s rows=%s",
                    g.id,
                    event.week,
                    event.kind.value,
                    n,
                )
            await groups.advance_cursor(conn, g.id, now, schedule.next_event_at(now))
    written += await meetings.plan_broadcast_summaries(rt)
    if written:
        rt.wake_sender()
    return written
