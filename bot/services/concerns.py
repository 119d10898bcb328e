"""Confidential concerns: routed only to the safeguarding focal points, never to a group's
facilitator (unless that person is also a focal point), answered without revealing the reporter.

Only people who take or took part (members, partners, facilitators and the other staff) may
raise one, at most CONCERNS_PER_DAY a day each, so a stranger cannot fill the team's phones or the
concern table. The focal points hear of new concerns at most once every NOTIFY_EVERY, in one
message that counts them ("3 new concerns") and opens each on request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outbox_kinds import OutboxKind
from bot.runtime import Runtime
from bot.services.safety import focal_points, is_focal_point
from bot.storage import concerns, memberships, outbox, partner_contacts, people, staff
from bot.storage.concerns import ConcernRow
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)

KINDS = ("feedback", "complaint")
ABOUT = ("facilitator", "member", "programme")
NEW_KIND = (
    OutboxKind.CONCERNS_NEW
)  # to each focal point, once per window: the concerns raised in it
STATUS_KIND = OutboxKind.CONCERN_STATUS  # to the reporter: received / closed
MAX_TEXT = 3000
NOTIFY_EVERY = timedelta(minutes=5)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Submitted:
    concern: ConcernRow
    response_days: int


@dataclass(frozen=True)
class NotEnrolled:
    """Someone who takes no part in the programme: /help is where they find support."""


@dataclass(frozen=True)
class TooMany:
    """CONCERNS_PER_DAY concerns within a day already; another may be raised from ``again_at``."""

    again_at: datetime


Refused = NotEnrolled | TooMany


async def _enrolled(
    rt: Runtime, conn: AsyncConnection, telegram_id: int, language: str = "en"
) -> PersonRow | None:
    """The person, when they take or took part: a membership of any role and status (someone
    who left or was removed may have the most to report), staff, or named in the settings."""
    person = await people.by_telegram_id(conn, telegram_id)
    if telegram_id in rt.settings.safeguarding_ids | rt.settings.admin_ids:
        return person or await people.get_or_create(
            conn, telegram_id=telegram_id, language=language, first_name=None, now=rt.clock.now()
        )
    if person is None:
        return None
    if (
        await memberships.of_person(conn, person.id)
        or await staff.get(conn, person.id) is not None
        or await partner_contacts.groups_of(conn, person.id)
    ):
        return person
    return None


async def may_raise(rt: Runtime, telegram_id: int) -> Refused | None:
    """Why this person may not raise a concern now; None when they may."""
    again_at = rt.concerns_raised.next_free(telegram_id, rt.clock.now())
    if again_at is not None:
        return TooMany(again_at)
    async with rt.engine.connect() as conn:
        if await _enrolled(rt, conn, telegram_id) is None:
            return NotEnrolled()
    return None


def window_of(moment: datetime) -> datetime:
    """The start of the NOTIFY_EVERY window the moment falls in."""
    return moment - (moment - _EPOCH) % NOTIFY_EVERY


async def submit(
    rt: Runtime,
    *,
    telegram_id: int,
    language: str,
    kind: str,
    about: str,
    anonymous: bool,
    text: str,
) -> Submitted | Refused:
    """Store the concern and make sure each focal point hears of it at the end of this window,
    in one transaction."""
    assert kind in KINDS and about in ABOUT
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        person = await _enrolled(rt, conn, telegram_id, language)
        if person is None:
            return NotEnrolled()
        # Counted in memory (rt.concerns_raised), keyed by Telegram id and never written
        # anywhere: a concern may be anonymous, and a count in the database would say who raised
        # how many. A restart forgets the counts, which costs at most a few more that day.
        # Checked and counted with no await between, so two at once cannot both slip through.
        again_at = rt.concerns_raised.next_free(telegram_id, now)
        if again_at is not None:
            return TooMany(again_at)
        rt.concerns_raised.use(telegram_id, now)
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
        # One notification per focal point and window, due when the window ends: the first
        # concern of a window writes it, the others find it there (the key is taken).
        window = window_of(now)
        for focal in focal_points(rt):
            await outbox.enqueue(
                conn,
                key=f"concerns:{window:%Y%m%dT%H%M}:f{focal}",
                chat_id=focal,
                kind=NEW_KIND,
                due_at=window + NOTIFY_EVERY,
                ref=window.isoformat(),
            )
    rt.wake_sender()
    log.info("concerns.submitted concern=%s focal_points=%s", row.id, len(focal_points(rt)))
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
