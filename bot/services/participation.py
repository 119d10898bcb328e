"""What an enrolled person can change about their own participation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.domain.outbox_kinds import OutboxKind
from bot.runtime import Runtime
from bot.storage import checkins, groups, memberships, people
from bot.storage.batching import Batcher

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
    now = rt.clock.now()
    until = now + timedelta(weeks=weeks) if weeks else None
    async with rt.engine.begin() as conn:
        n = await memberships.set_status(
            conn,
            person_id,
            from_states=("active", "paused"),
            status="paused",
            now=now,
            paused_until=until,
        )
        mine = await memberships.of_person(conn, person_id)
        g = await groups.get(conn, mine[0].group_id) if mine else None
    log.info("participation.paused person=%s weeks=%s", person_id, weeks)
    return Paused(n, until, g.timezone if g else "UTC")


async def resume(rt: Runtime, person_id: int) -> int:
    async with rt.engine.begin() as conn:
        n = await memberships.set_status(
            conn, person_id, from_states=("paused",), status="active", now=rt.clock.now()
        )
    log.info("participation.resumed person=%s", person_id)
    return n


async def stop(rt: Runtime, person_id: int) -> int:
    async with rt.engine.begin() as conn:
        n = await memberships.set_status(
            conn, person_id, from_states=("active", "paused"), status="stopped", now=rt.clock.now()
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
    kind: OutboxKind = OutboxKind.CHECKIN,
) -> str | None:
    """Store a check-in if the button belongs to this person; returns the curriculum id.
    The presses of one moment share one transaction (stored before any of them is answered)."""
    if value not in checkins.VALUES:
        return None
    record = rt.batcher("checkins", lambda: Batcher(partial(_record_checkins, rt), "checkins"))
    curriculum_id: str | None = await record(
        checkins.Answer(person_id, membership_id, week, value, kind)
    )
    if curriculum_id is not None:
        log.info("participation.checkin membership=%s week=%s", membership_id, week)
    return curriculum_id


async def _record_checkins(rt: Runtime, answers: Sequence[checkins.Answer]) -> list[str | None]:
    async with rt.engine.begin() as conn:
        allowed = await checkins.answerable(conn, answers)
        mine = [a for a, cur in zip(answers, allowed, strict=True) if cur is not None]
        await checkins.record(conn, mine, rt.clock.now())
    return allowed


async def find_person(rt: Runtime, telegram_id: int) -> people.PersonRow | None:
    """The person behind an update, looked up together with everyone else's of that moment:
    read fresh for every update, never cached (a stale person is a privacy bug)."""
    find = rt.batcher("people", lambda: Batcher(partial(_find_people, rt), "people"))
    found: people.PersonRow | None = await find(telegram_id)
    return found


async def _find_people(rt: Runtime, telegram_ids: Sequence[int]) -> list[people.PersonRow | None]:
    async with rt.engine.connect() as conn:
        found = await people.by_telegram_ids(conn, telegram_ids)
    return [found.get(t) for t in telegram_ids]


async def progress(rt: Runtime, person_id: int) -> list[tuple[str, int, str]]:
    async with rt.engine.connect() as conn:
        return await checkins.history(conn, person_id)
