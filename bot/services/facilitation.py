"""Facilitators' roles: invitations, the code of conduct, listing, revoking, and who may act.

Who may act is decided in bot/services/staff_access.py, the same answer for a group that does
not exist and for one the person does not facilitate, so nothing is revealed.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery.due import full_schedule
from bot.domain.policy import NotAllowed
from bot.i18n import content_text
from bot.paths import conversations_dir
from bot.runtime import Runtime
from bot.services import invitations
from bot.services.invitations import InviteKind, Refused
from bot.services.staff_access import facilitating
from bot.storage import group_settings, groups, invites, people, staff
from bot.storage.groups import GroupRow
from bot.storage.staff import StaffRow

log = logging.getLogger(__name__)

INVITE_DAYS = 7
INVITE_LINK_LIFETIME = timedelta(days=INVITE_DAYS)
FACILITATOR = "facilitator"


async def authorize(rt: Runtime, telegram_id: int, group_id: int) -> GroupRow | None:
    """The group, only if this person facilitates it now (for callers that check it
    themselves; staff handlers get it from their decorator)."""
    try:
        return (await facilitating(rt, telegram_id, group_id)).group
    except NotAllowed:
        return None


async def person_id_of(rt: Runtime, telegram_id: int) -> int | None:
    async with rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
    return p.id if p else None


# --- invitations -----------------------------------------------------------------------------


async def create_invite(
    rt: Runtime, group_id: int | None, created_by_telegram_id: int | None = None
) -> str | None:
    """A one-time facilitator invitation, valid 7 days; None if the group does not exist."""
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        if group_id is not None and await groups.get(conn, group_id) is None:
            return None
        author = None
        if created_by_telegram_id is not None:
            p = await people.by_telegram_id(conn, created_by_telegram_id)
            author = p.id if p else None
        code = await invites.create(
            conn,
            kind=FACILITATOR,
            group_id=group_id,
            now=now,
            expires_at=now + INVITE_LINK_LIFETIME,
            single_use=True,
            created_by=author,
        )
    log.info("facilitation.invite_created group=%s", group_id)
    return code


@dataclass(frozen=True)
class FacilitatorInvite:
    code: str
    group: GroupRow | None
    expires_at: datetime | None


async def check_invite(rt: Runtime, code: str) -> FacilitatorInvite | None:
    """Read-only: a usable facilitator invitation, or None (unknown, used, expired, revoked)."""
    async with rt.engine.connect() as conn:
        found = await invitations.open_invitation(
            conn, code, InviteKind.FACILITATOR, rt.clock.now(), needs_group=False
        )
    if isinstance(found, Refused):
        return None
    return FacilitatorInvite(code=code, group=found.group, expires_at=found.invite.expires_at)


async def accept_invite(
    rt: Runtime, code: str, telegram_id: int, language: str
) -> FacilitatorInvite | None:
    """The person accepted the code of conduct: they become a facilitator (of the group)."""
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        found = await invitations.redeem(conn, code, InviteKind.FACILITATOR, now, needs_group=False)
        if found is None:
            return None
        g = found.group
        person = await invitations.staff_person(conn, telegram_id, language, now)
        await staff.make_facilitator(conn, person.id, now)
        if g is not None:
            await staff.add_facilitation(conn, g.id, person.id, now)
            await refresh_cursor(conn, rt, g)
    log.info("facilitation.accepted person=%s group=%s", person.id, g.id if g else None)
    return FacilitatorInvite(code=code, group=g, expires_at=found.invite.expires_at)


async def refresh_cursor(conn: AsyncConnection, rt: Runtime, g: GroupRow) -> None:
    """After a change to who runs the group or to its schedule, the next event may be earlier
    (a guide comes before the first delivery): point the planner's cursor at it."""
    fresh = await groups.get(conn, g.id)
    if fresh is None:
        return
    schedule = await full_schedule(conn, rt, fresh)
    if schedule is None:
        return
    await group_settings.set_cursor(
        conn, g.id, fresh.planned_until, schedule.next_event_at(fresh.planned_until)
    )


# --- listing and revoking ----------------------------------------------------------------------


@dataclass(frozen=True)
class FacilitatorInfo:
    staff: StaffRow
    group_ids: list[int]


async def list_facilitators(rt: Runtime) -> list[FacilitatorInfo]:
    async with rt.engine.connect() as conn:
        rows = await staff.list_all(conn)
        return [FacilitatorInfo(r, await staff.groups_of(conn, r.person_id)) for r in rows]


async def revoke(rt: Runtime, telegram_id: int) -> bool:
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
        done = p is not None and await staff.revoke(conn, p.id, now)
    if done:
        log.info("facilitation.revoked person=%s", p.id if p else None)
    return done


# --- the facilitators' code of conduct ---------------------------------------------------------

CONDUCT_CONTEXT = "staff:facilitators_code_of_conduct"


@cache
def _conduct_source() -> str:
    path = conversations_dir() / "staff" / "facilitators-code-of-conduct.toml"
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["text"]).strip()


def conduct_text() -> str:
    """The code of conduct in the current language (English until it is translated)."""
    return content_text(CONDUCT_CONTEXT, _conduct_source())
