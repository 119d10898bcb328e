"""The planner: writes what is due into the outbox. Idempotent, so ticks may repeat freely."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery.due import CARRIES, TO_CHAT, TO_FACILITATORS, full_schedule
from bot.domain.couples import recipients
from bot.domain.curriculum import Curriculum
from bot.domain.outbox_kinds import OutboxKind, worth_sending
from bot.domain.schedule import Event
from bot.runtime import Runtime
from bot.storage import broadcasts, groups, outbox, people, staff
from bot.storage.groups import GroupRow

log = logging.getLogger(__name__)


def chat_key(group_id: int, week: int, kind: str) -> str:
    return f"g{group_id}:w{week}:{kind}:chat"


async def write_event(
    conn: AsyncConnection,
    g: GroupRow,
    cur: Curriculum,
    event: Event,
    now: datetime,
    grace: timedelta,
) -> int:
    """Fan one scheduled event out to whoever receives each message it carries; a message no
    longer worth sending is written as expired (and never to the group chat)."""
    written = 0
    for kind in CARRIES[event.kind]:
        fresh = worth_sending(kind, event.at, now, grace)
        status = outbox.PENDING if fresh else outbox.EXPIRED
        if kind in TO_FACILITATORS:
            written += await staff.fan_out(
                conn, group_id=g.id, week=event.week, kind=kind, due_at=event.at, status=status
            )
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
        if kind in TO_CHAT and fresh:
            written += await to_chat(conn, g, event.week, kind, event.at)
    return written


async def to_chat(
    conn: AsyncConnection, g: GroupRow, week: int, kind: OutboxKind, due_at: datetime
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
                        kind=OutboxKind.BROADCAST_SUMMARY,
                        due_at=now,
                        person_id=author.id,
                        group_id=b.group_id,
                        ref=str(b.id),
                    )
                )
            await broadcasts.mark_summarized(conn, b.id, now)
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
            schedule = await full_schedule(conn, rt, g)
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
    written += await plan_broadcast_summaries(rt)
    if written:
        rt.wake_sender()
    return written
