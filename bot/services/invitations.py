"""Redeeming an invitation, one way for members, partners, facilitators, partner contacts and
group-chat links.

``open_invitation`` finds the code, checks that it can still be used (not used, not revoked,
not expired) and is of the kind asked for, and loads its group; ``claim`` marks a one-time
code used, in the caller's transaction, so it is spent together with what it grants and
rolled back with it. Each service turns a ``Refused`` into its own answer, worded as before.

A database error propagates (the handlers answer "please try again"): a failed lookup is
never read as "no such code".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import groups, invites, people
from bot.storage.groups import GroupRow
from bot.storage.invites import InviteRow
from bot.storage.people import PersonRow


class InviteKind(StrEnum):
    MEMBER = "member"
    PARTNER = "partner"
    FACILITATOR = "facilitator"
    PARTNER_CONTACT = "partner_contact"
    CHAT = "chat"  # links the group's own Telegram chat (/link)
    RECORDER = "recorder"  # records the programme's voice messages (invite.languages)


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no such code
    UNUSABLE = "unusable"  # used, revoked or expired
    NO_GROUP = "no_group"  # names no group where one is needed, or its group is gone
    OTHER_KIND = "other_kind"  # usable, but made for something else


@dataclass(frozen=True)
class Invitation:
    """A usable invitation of the kind asked for, with its group (None: a facilitator invited
    to no group in particular)."""

    invite: InviteRow
    group: GroupRow | None


@dataclass(frozen=True)
class Refused:
    why: Refusal
    # The code's row when it exists: a partner's link is still known as his partner's, used
    # or not, so the member who opens it is told the same whatever she did with it.
    invite: InviteRow | None = None


async def issue(
    conn: AsyncConnection,
    kind: InviteKind,
    now: datetime,
    lifetime: timedelta,
    *,
    group_id: int | None,
    membership_id: int | None = None,
    created_by: int | None = None,
    languages: str | None = None,
) -> str:
    """A one-time code of ``kind``, valid for ``lifetime`` from now."""
    return await invites.create(
        conn,
        kind=kind.value,  # a plain str: the SQLite process cannot unpickle Foyer's types
        group_id=group_id,
        now=now,
        expires_at=now + lifetime,
        single_use=True,
        membership_id=membership_id,
        created_by=created_by,
        languages=languages,
    )


async def open_invitation(
    conn: AsyncConnection, code: str, kind: InviteKind, now: datetime, *, needs_group: bool = True
) -> Invitation | Refused:
    """The invitation behind ``code`` if it can be redeemed as ``kind`` now.

    Usability is checked before the kind, so a spent code of another kind reads as unusable,
    never as "made for something else".
    """
    inv = await invites.find(conn, code)
    if inv is None:
        return Refused(Refusal.UNKNOWN)
    if not inv.usable(now):
        return Refused(Refusal.UNUSABLE, inv)
    if inv.group_id is None and needs_group:
        return Refused(Refusal.NO_GROUP, inv)
    if inv.kind != kind:
        return Refused(Refusal.OTHER_KIND, inv)
    if inv.group_id is None:
        return Invitation(inv, None)
    g = await groups.get(conn, inv.group_id)
    if g is None:
        return Refused(Refusal.NO_GROUP, inv)
    return Invitation(inv, g)


async def claim(conn: AsyncConnection, invitation: Invitation, now: datetime) -> bool:
    """Spend a one-time invitation in the caller's transaction (a code for many, such as a
    group's member link, is left as it is). False when another redemption spent it first:
    the caller then grants nothing."""
    if not invitation.invite.single_use:
        return True
    return await invites.mark_used(conn, invitation.invite.id, now)


async def redeem(
    conn: AsyncConnection, code: str, kind: InviteKind, now: datetime, *, needs_group: bool = True
) -> Invitation | None:
    """Open and spend in one step, for invitations that ask nothing more of who redeems them."""
    found = await open_invitation(conn, code, kind, now, needs_group=needs_group)
    if isinstance(found, Refused) or not await claim(conn, found, now):
        return None
    return found


async def staff_person(
    conn: AsyncConnection, telegram_id: int, language: str, now: datetime
) -> PersonRow:
    """Who accepts a staff invitation (facilitator, partner contact): a person known already
    keeps their language; no first name is stored (staff are known by their Telegram id)."""
    existing = await people.by_telegram_id(conn, telegram_id)
    return await people.get_or_create(
        conn,
        telegram_id=telegram_id,
        language=existing.language if existing else language,
        first_name=None,
        now=now,
    )
