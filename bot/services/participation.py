"""What an enrolled person can change about their own participation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime import Runtime
from bot.storage import checkins, groups, memberships, people

log = logging.getLogger(__name__)


async def set_language(rt: Runtime, person_id: int, language: str) -> None:
    async with rt.engine.begin() as conn:
        await people.set_language(conn, person_id, language)


@dataclass(frozen=True)
class Paused:
    count: int
    until: datetime | None  # None: until /resume
    timezone: str  # of the person's first group, to say the date as they live it


async def pause(rt: Runtime, person_id: int, weeks: int) -> Paused:
    """Pause every membership for N weeks (0 = until /resume)."""
    until = rt.clock.now() + timedelta(weeks=weeks) if weeks else None
    async with rt.engine.begin() as conn:
        n = await memberships.set_status(
            conn, person_id, from_states=("active", "paused"), status="paused", paused_until=until
        )
        mine = await memberships.of_person(conn, person_id)
        g = await groups.get(conn, mine[0].group_id) if mine else None
    log.info("participation.paused person=%s weeks=%s", person_id, weeks)
    return Paused(n, until, g.timezone if g else "UTC")


async def resume(rt: Runtime, person_id: int) -> int:
    async with rt.engine.begin() as conn:
        n = await memberships.set_status(conn, person_id, from_states=("paused",), status="active")
    log.info("participation.resumed person=%s", person_id)
    return n


async def stop(rt: Runtime, person_id: int) -> int:
    async with rt.engine.begin() as conn:
        n = await memberships.set_status(
            conn, person_id, from_states=("active", "paused"), status="stopped"
        )
    log.info("participation.stopped person=%s", person_id)
    return n


async def active_count(rt: Runtime, person_id: int) -> int:
    async with rt.engine.connect() as conn:
        rows = await memberships.of_person(conn, person_id)
    return sum(1 for m in rows if m.status in memberships.ACTIVE_STATES)


async def record_checkin(
    rt: Runtime,
    person_id: int,
    membership_id: int,
    week: int,
    value: str,
    kind: str = "checkin",
) -> str | None:
    """Store a check-in if the button belongs to this person; returns the curriculum id."""
    async with rt.engine.begin() as conn:
        curriculum_id = await checkins.answerable(conn, person_id, membership_id, week, kind)
        if curriculum_id is None:
            return None
        await checkins.record(conn, membership_id, week, value, rt.clock.now())
    log.info("participation.checkin membership=%s week=%s", membership_id, week)
    return curriculum_id


async def progress(rt: Runtime, person_id: int) -> list[tuple[str, int, str]]:
    async with rt.engine.connect() as conn:
        return await checkins.history(conn, person_id)
