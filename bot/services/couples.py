"""The couples track: partner invitations and the partner's own entry.

Nothing here ever tells one partner anything about the other: the member who passes on an
invitation is never told whether it was opened, accepted, declined or later withdrawn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.couples import has_couples_track
from bot.runtime import Runtime
from bot.services import invitations
from bot.services.facilitation import authorize, person_id_of
from bot.services.group_admin import MemberEntry, listed_members
from bot.services.invitations import Invitation, InviteKind, Refused
from bot.services.staff_access import actor
from bot.storage import groups, memberships, partner_contacts, people
from bot.storage.groups import GroupRow

log = logging.getLogger(__name__)

PARTNER_INVITE_DAYS = 7
PARTNER_INVITE_LIFETIME = timedelta(days=PARTNER_INVITE_DAYS)


class PartnerProblem(StrEnum):
    UNKNOWN = "unknown"  # forged, expired, used or revoked: all told the same way
    OWN_LINK = "own_link"  # the inviting member opened his own link
    ALREADY_LINKED = "already_linked"  # this person already takes part as someone's partner
    NO_TRACK = "no_track"  # the group has no couples track (any more)
    NOT_A_MEMBER = "not_a_member"  # /partner from someone not in a couples group


@dataclass(frozen=True)
class PartnerInvite:
    code: str
    expires_at: datetime
    group: GroupRow


async def _couples_membership(rt: Runtime, person_id: int) -> tuple[int, GroupRow] | None:
    async with rt.engine.connect() as conn:
        for m in await memberships.of_person(conn, person_id):
            if m.role != "member" or m.status not in memberships.ACTIVE_STATES:
                continue
            g = await groups.get(conn, m.group_id)
            cur = rt.curricula.get(g.curriculum_id) if g else None
            if g is not None and cur is not None and has_couples_track(cur, g.couples_weeks):
                return m.id, g
    return None


async def invite_partner(rt: Runtime, person_id: int) -> PartnerInvite | PartnerProblem:
    """A one-time link, valid for 7 days, that the member passes on himself."""
    found = await _couples_membership(rt, person_id)
    if found is None:
        return PartnerProblem.NOT_A_MEMBER
    membership_id, g = found
    log.info("couples.invite_created group=%s membership=%s", g.id, membership_id)
    return await _partner_invite(rt, g, membership_id, created_by=person_id)


async def _partner_invite(
    rt: Runtime, g: GroupRow, membership_id: int, created_by: int | None
) -> PartnerInvite:
    """A one-time partner link for one member, valid 7 days."""
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        code = await invitations.issue(
            conn,
            InviteKind.PARTNER,
            now,
            PARTNER_INVITE_LIFETIME,
            group_id=g.id,
            membership_id=membership_id,
            created_by=created_by,
        )
    return PartnerInvite(code=code, expires_at=now + PARTNER_INVITE_LIFETIME, group=g)


async def _may_invite_partners(rt: Runtime, telegram_id: int, group_id: int) -> GroupRow | None:
    """The group, if this person facilitates it or is its registered partner contact."""
    g = await authorize(rt, telegram_id, group_id)
    if g is not None:
        return g
    async with rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
        if p is None or group_id not in await partner_contacts.groups_of(conn, p.id):
            return None
        return await groups.get(conn, group_id)


async def members_for_invitation(
    rt: Runtime, telegram_id: int, group_id: int
) -> list[MemberEntry] | None:
    if await _may_invite_partners(rt, telegram_id, group_id) is None:
        return None
    return await listed_members(rt, group_id)


async def invite_partner_for(
    rt: Runtime, staff_telegram_id: int, group_id: int, membership_id: int
) -> PartnerInvite | PartnerProblem | None:
    """The recommended path: the group's facilitator or partner contact makes the partner's link
    for a member. None when this person may not (refused, nothing revealed)."""
    g = await _may_invite_partners(rt, staff_telegram_id, group_id)
    if g is None:
        return None
    cur = rt.curricula.get(g.curriculum_id)
    if cur is None or not has_couples_track(cur, g.couples_weeks):
        return PartnerProblem.NO_TRACK
    async with rt.engine.connect() as conn:
        m = await memberships.get(conn, membership_id)
    if m is None or m.group_id != g.id or m.role != "member":
        return PartnerProblem.UNKNOWN
    if m.status not in memberships.ACTIVE_STATES:
        return PartnerProblem.UNKNOWN
    log.info("couples.invite_by_staff group=%s membership=%s", g.id, m.id)
    return await _partner_invite(rt, g, m.id, await person_id_of(rt, staff_telegram_id))


@dataclass(frozen=True)
class PartnerCheck:
    problem: PartnerProblem | None
    group: GroupRow | None = None
    invite_id: int | None = None
    member_membership_id: int | None = None


async def _open_partner_invite(
    conn: AsyncConnection, rt: Runtime, code: str, telegram_id: int, now: datetime
) -> Invitation | PartnerProblem:
    found = await invitations.open_invitation(conn, code, InviteKind.PARTNER, now)
    inv = found.invite
    if inv is None or inv.kind != InviteKind.PARTNER or inv.membership_id is None:
        return PartnerProblem.UNKNOWN
    member = await memberships.get(conn, inv.membership_id)
    person = await people.by_telegram_id(conn, telegram_id)
    # The member who opens the link made for his partner hears the same whatever she did
    # with it (nothing yet, joined, left) and however old it is: asked before whether the
    # link still works, which would tell him.
    if member is not None and person is not None and person.id == member.person_id:
        return PartnerProblem.OWN_LINK
    if isinstance(found, Refused) or member is None or found.group is None:
        return PartnerProblem.UNKNOWN
    cur = rt.curricula.get(found.group.curriculum_id)
    if cur is None or not has_couples_track(cur, found.group.couples_weeks):
        return PartnerProblem.NO_TRACK
    if person is not None and await memberships.active_partnerships(conn, person.id):
        return PartnerProblem.ALREADY_LINKED
    return found


async def check_partner_invite(rt: Runtime, code: str, telegram_id: int) -> PartnerCheck:
    """Read-only: can this person join as a partner with this code now?"""
    async with rt.engine.connect() as conn:
        found = await _open_partner_invite(conn, rt, code, telegram_id, rt.clock.now())
    if isinstance(found, PartnerProblem):
        return PartnerCheck(found)
    return PartnerCheck(None, found.group, found.invite.id, found.invite.membership_id)


async def enroll_partner(
    rt: Runtime, *, code: str, telegram_id: int, language: str
) -> GroupRow | PartnerProblem:
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        # Checked again in the transaction that spends the code: what was true when she
        # opened the link may not be now.
        found = await _open_partner_invite(conn, rt, code, telegram_id, now)
        if isinstance(found, PartnerProblem):
            return found
        if not await invitations.claim(conn, found, now):
            return PartnerProblem.UNKNOWN
        g = found.group
        assert g is not None
        # Partners are never listed by name: no first name is stored.
        person = await people.get_or_create(
            conn, telegram_id=telegram_id, language=language, first_name=None, now=now
        )
        m = await memberships.enroll(
            conn,
            person_id=person.id,
            group_id=g.id,
            role="partner",
            progress_opt_in=False,
            now=now,
            partner_of=found.invite.membership_id,
        )
    log.info("couples.partner_joined group=%s membership=%s", g.id, m.id)
    return g


# --- partner contacts (registered by an admin) ---------------------------------------------


async def create_contact_invite(rt: Runtime, group_id: int) -> str | None:
    """A one-time link, valid 7 days, that makes its opener the group's partner contact."""
    async with rt.engine.begin() as conn:
        if await groups.get(conn, group_id) is None:
            return None
        code = await invitations.issue(
            conn,
            InviteKind.PARTNER_CONTACT,
            rt.clock.now(),
            PARTNER_INVITE_LIFETIME,
            group_id=group_id,
        )
    log.info("couples.contact_invite_created group=%s", group_id)
    return code


async def check_contact_invite(rt: Runtime, code: str) -> GroupRow | None:
    async with rt.engine.connect() as conn:
        found = await invitations.open_invitation(
            conn, code, InviteKind.PARTNER_CONTACT, rt.clock.now()
        )
    return None if isinstance(found, Refused) else found.group


async def accept_contact_invite(
    rt: Runtime, code: str, telegram_id: int, language: str
) -> GroupRow | None:
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        found = await invitations.redeem(conn, code, InviteKind.PARTNER_CONTACT, now)
        if found is None or found.group is None:
            return None
        p = await invitations.staff_person(conn, telegram_id, language, now)
        await partner_contacts.add(conn, p.id, found.group.id, now)
    log.info("couples.contact_accepted person=%s group=%s", p.id, found.group.id)
    return found.group


async def groups_for_invitations(rt: Runtime, telegram_id: int) -> list[GroupRow]:
    """Groups with a couples track where this person may invite partners."""
    who = await actor(rt, telegram_id)
    async with rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
        ids = set(who.groups) if who.facilitator else set()
        if p is not None:
            ids |= set(await partner_contacts.groups_of(conn, p.id))
        rows = [g for gid in sorted(ids) if (g := await groups.get(conn, gid)) is not None]
    out = []
    for g in rows:
        cur = rt.curricula.get(g.curriculum_id)
        if cur is not None and has_couples_track(cur, g.couples_weeks):
            out.append(g)
    return out


async def list_contacts(rt: Runtime) -> list[partner_contacts.ContactRow]:
    async with rt.engine.connect() as conn:
        return await partner_contacts.list_all(conn)


async def revoke_contact(rt: Runtime, telegram_id: int) -> bool:
    async with rt.engine.begin() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
        return p is not None and await partner_contacts.revoke(conn, p.id, rt.clock.now())
