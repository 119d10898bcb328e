"""Confidential concerns: routed only to the safeguarding focal points, never to a group's
facilitator (unless that person is also a focal point), answered without revealing the reporter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.runtime import Runtime
from bot.storage import concerns, memberships, outbox, people
from bot.storage.concerns import ConcernRow
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)

KINDS = ("feedback", "complaint")
ABOUT = ("facilitator", "member", "programme")
NEW_KIND = "concern_new"  # to each focal point
STATUS_KIND = "concern_status"  # to the reporter: received / closed
MAX_TEXT = 3000


def recipients(rt: Runtime) -> list[int]:
    """Only the focal points: a facilitator of the reporter's group never receives a concern
    through Foyer unless the deployment also named them a focal point."""
    return sorted(rt.settings.safeguarding_ids)


def is_focal_point(rt: Runtime, telegram_id: int) -> bool:
    return telegram_id in rt.settings.safeguarding_ids


@dataclass(frozen=True)
class Submitted:
    concern: ConcernRow
    response_days: int


async def submit(
    rt: Runtime,
    *,
    telegram_id: int,
    language: str,
    kind: str,
    about: str,
    anonymous: bool,
    text: str,
) -> Submitted:
    """Store the concern and queue one notification per focal point, in one transaction."""
    assert kind in KINDS and about in ABOUT
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        # Someone outside any group (a partner, a neighbour) may raise a concern too: they get a
        # minimal person row (an id and a language) so the answer can reach them.
        person = await people.get_or_create(
            conn, telegram_id=telegram_id, language=language, first_name=None, now=now
        )
        mine = [
            m
            for m in await memberships.of_person(conn, person.id)
            if m.status in memberships.ACTIVE_STATES
        ]
        row = await concerns.add(
            conn,
            kind=kind,
            about=about,
            anonymous=anonymous,
            reporter_id=person.id,
            group_id=mine[0].group_id if mine else None,
            text=text[:MAX_TEXT],
            now=now,
            purge_after=now + timedelta(days=rt.settings.concern_retention_days),
        )
        for focal in recipients(rt):
            await outbox.enqueue(
                conn,
                key=f"concern:{row.reference}:new:f{focal}",
                chat_id=focal,
                kind=NEW_KIND,
                due_at=now,
                ref=row.reference,
            )
    rt.wake_sender()
    log.info("concerns.submitted concern=%s focal_points=%s", row.id, len(recipients(rt)))
    return Submitted(row, rt.settings.concern_response_days)


async def mark(rt: Runtime, telegram_id: int, concern_id: int, status: str) -> ConcernRow | None:
    """A focal point marks a concern received or closed; the reporter is told. None: refused."""
    if not is_focal_point(rt, telegram_id) or status not in ("received", "closed"):
        return None
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        row = await concerns.get(conn, concern_id)
        if row is None or not await concerns.set_status(conn, concern_id, status):
            return None
        reporter = await people.get(conn, row.reporter_id) if row.reporter_id else None
        if reporter is not None:
            await outbox.enqueue(
                conn,
                key=f"concern:{row.reference}:{status}",
                chat_id=reporter.telegram_id,
                kind=STATUS_KIND,
                due_at=now,
                person_id=reporter.id,
                ref=f"{row.reference}:{status}",
            )
    rt.wake_sender()
    log.info("concerns.marked concern=%s status=%s", concern_id, status)
    return row


async def reporter_of(rt: Runtime, telegram_id: int, concern_id: int) -> PersonRow | None:
    """Who an answer goes to; only a focal point may ask, and learns nothing from it."""
    if not is_focal_point(rt, telegram_id):
        return None
    async with rt.engine.connect() as conn:
        row = await concerns.get(conn, concern_id)
        if row is None or row.reporter_id is None:
            return None
        return await people.get(conn, row.reporter_id)


async def get(rt: Runtime, concern_id: int) -> ConcernRow | None:
    async with rt.engine.connect() as conn:
        return await concerns.get(conn, concern_id)
