"""Joining a group by invite: checks that store nothing, and the one step that stores."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery.due import schedule_for
from bot.domain.audio import VoiceMode
from bot.domain.outbox_kinds import OutboxKind
from bot.runtime import Runtime
from bot.services import invitations
from bot.services.invitations import InviteKind, Refusal, Refused
from bot.storage import invites, memberships, outbox, people, removals
from bot.storage.groups import GroupRow
from bot.storage.memberships import MembershipRow

log = logging.getLogger(__name__)


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"  # never existed, or revoked/expired: the person is told the same thing
    WRONG_KIND = "wrong_kind"
    ALREADY = "already"
    REMOVED = "removed"  # removed by a facilitator: a link alone does not bring him back


@dataclass(frozen=True)
class InviteCheck:
    group: GroupRow | None
    problem: InviteProblem | None
    curriculum_id: str | None = None


async def invite_kind(rt: Runtime, code: str) -> str | None:
    """What an invite code is for (member, partner, facilitator); None if unknown."""
    async with rt.engine.connect() as conn:
        inv = await invites.find(conn, code)
    return inv.kind if inv is not None else None


async def check_member_invite(rt: Runtime, code: str, telegram_id: int) -> InviteCheck:
    """Read-only: can this person join with this code now?"""
    async with rt.engine.connect() as conn:
        return await _check(conn, rt, code, telegram_id, rt.clock.now())


async def _check(
    conn: AsyncConnection, rt: Runtime, code: str, telegram_id: int, now: datetime
) -> InviteCheck:
    found = await invitations.open_invitation(conn, code, InviteKind.MEMBER, now)
    if isinstance(found, Refused):
        wrong_kind = found.why is Refusal.OTHER_KIND
        return InviteCheck(None, InviteProblem.WRONG_KIND if wrong_kind else InviteProblem.UNKNOWN)
    g = found.group
    if g is None or rt.curricula.get(g.curriculum_id) is None:
        return InviteCheck(None, InviteProblem.UNKNOWN)
    person = await people.by_telegram_id(conn, telegram_id)
    if person is not None:
        m = await memberships.find(conn, person.id, g.id)
        if m is not None and m.status in memberships.ACTIVE_STATES:
            return InviteCheck(g, InviteProblem.ALREADY, g.curriculum_id)
        if m is not None and m.status == "removed":
            return InviteCheck(None, InviteProblem.REMOVED)
    # Also after /forget deleted the membership row: the removal is kept apart, hashed.
    if await removals.was_removed(conn, g.id, telegram_id):
        return InviteCheck(None, InviteProblem.REMOVED)
    return InviteCheck(g, None, g.curriculum_id)


@dataclass(frozen=True)
class Enrolled:
    group: GroupRow
    membership: MembershipRow
    first_message_at: datetime | None  # None when the programme has ended
    caught_up: bool  # a late joiner receives the current week now


async def enroll(
    rt: Runtime,
    *,
    code: str,
    telegram_id: int,
    language: str,
    progress_opt_in: bool,
    first_name: str | None,
    discreet: bool = False,
    voice_mode: VoiceMode | None = None,
) -> Enrolled | InviteProblem:
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        # Checked again in the transaction that stores him: the link may have been renewed
        # or he removed since he opened it. A member link serves the whole group: it is not
        # spent.
        check = await _check(conn, rt, code, telegram_id, now)
        if check.problem is not None or check.group is None:
            return check.problem or InviteProblem.UNKNOWN
        g = check.group
        schedule = schedule_for(rt, g)
        assert schedule is not None
        week = schedule.current_week(now)
        person = await people.get_or_create(
            conn,
            telegram_id=telegram_id,
            language=language,
            first_name=first_name,
            now=now,
            discreet=discreet,
            voice_mode=voice_mode.value if voice_mode is not None else None,
        )
        m = await memberships.enroll(
            conn,
            person_id=person.id,
            group_id=g.id,
            role="member",
            progress_opt_in=progress_opt_in,
            now=now,
        )
        caught_up = False
        if 1 <= week and not schedule.finished(now):
            # Late joiners start at the group's current week (the same key as the planner's,
            # so someone who had it already does not get it twice).
            caught_up = await outbox.enqueue(
                conn,
                key=outbox.item_key(g.id, week, OutboxKind.PROMPT, m.id),
                chat_id=telegram_id,
                kind=OutboxKind.PROMPT,
                due_at=now,
                person_id=person.id,
                membership_id=m.id,
                group_id=g.id,
                week=week,
            )
    log.info("enrollment.joined group=%s membership=%s week=%s", g.id, m.id, week)
    if caught_up:
        rt.wake_sender()
        first: datetime | None = now
    else:
        first = schedule.delivery_at(week + 1) if week < schedule.weeks else None
    return Enrolled(group=g, membership=m, first_message_at=first, caught_up=caught_up)
