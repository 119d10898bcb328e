"""Who the person asking is, for staff actions: gathered once, at the edge (the handlers'
decorators), and passed down to the services as an already-authorized context."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.policy import STRANGER, Action, Actor, NotAllowed, may
from bot.runtime import Runtime
from bot.storage import groups, people, staff
from bot.storage.groups import GroupRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Staff:
    """A person, as the policy sees them (maybe no staff at all: check `may`)."""

    telegram_id: int
    actor: Actor


@dataclass(frozen=True)
class Facilitating(Staff):
    """A person who facilitates this group now."""

    group: GroupRow


async def actor(rt: Runtime, telegram_id: int) -> Actor:
    is_admin = telegram_id in rt.settings.admin_ids
    async with rt.engine.connect() as conn:
        person = await people.by_telegram_id(conn, telegram_id)
        if person is None:
            return Actor(is_admin=is_admin) if is_admin else STRANGER
        row = await staff.get(conn, person.id)
        active = row is not None and row.active
        gids = await staff.groups_of(conn, person.id) if active else []
    return Actor(is_admin=is_admin, facilitator=active, groups=frozenset(gids))


async def staff_of(rt: Runtime, telegram_id: int) -> Staff:
    return Staff(telegram_id, await actor(rt, telegram_id))


async def facilitating(rt: Runtime, telegram_id: int, group_id: int) -> Facilitating:
    """The person and the group, only if they facilitate it now; NotAllowed otherwise, the
    same for a group that does not exist."""
    who = await actor(rt, telegram_id)
    g = None
    if may(who, Action.RUN_GROUP, group_id):
        async with rt.engine.connect() as conn:
            g = await groups.get(conn, group_id)
    if g is None:
        log.info("facilitation.refused group=%s", group_id)
        raise NotAllowed
    return Facilitating(telegram_id, who, g)
