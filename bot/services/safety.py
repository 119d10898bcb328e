"""Help, always: which referral resources a person sees, and asking for a person to talk to."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from bot.domain.resources import Category, Entry, by_language, for_country, load_all, resources_dir
from bot.runtime import Runtime
from bot.storage import groups, memberships, outbox, staff
from bot.storage.people import PersonRow
from bot.storage.personal_data import CONTACT_KIND

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    country: str | None  # ISO code of the person's group, None when unknown
    by_category: dict[Category, list[Entry]]


async def country_of(rt: Runtime, person: PersonRow | None) -> str | None:
    """The country of the person's first current group (resources follow where they live);
    for staff who are not members, of the first group they run."""
    if person is None:
        return None
    async with rt.engine.connect() as conn:
        joined = [
            m.group_id
            for m in await memberships.of_person(conn, person.id)
            if m.status in memberships.ACTIVE_STATES
        ]
        for gid in [*joined, *await staff.groups_of(conn, person.id)]:
            g = await groups.get(conn, gid)
            if g is not None and g.country:
                return g.country
    return None


async def resources_for(rt: Runtime, person: PersonRow | None, lang: str) -> Resources:
    country = await country_of(rt, person)
    found = for_country(load_all(resources_dir(rt.settings.content_dir)), country)
    return Resources(country, {cat: by_language(es, lang) for cat, es in found.items()})


def focal_points(rt: Runtime) -> list[int]:
    """The safeguarding team, who alone receive concerns and requests to talk: a facilitator
    of the person's group never does unless the deployment also named them a focal point."""
    return sorted(rt.settings.safeguarding_ids)


def is_focal_point(rt: Runtime, telegram_id: int) -> bool:
    return telegram_id in rt.settings.safeguarding_ids


async def request_contact(rt: Runtime, telegram_id: int, username: str | None) -> bool:
    """Tell every focal point that this person asked to be contacted; False when they had
    already asked within CONTACT_REQUEST_EVERY (the team knows; it is not told again).

    The handle travels in the outbox row's ref only until that message is sent (the sender
    clears it), so the database does not keep who asked for help. Who asked lately is held in
    memory only (rt.contacts_asked), so that pressing the button again, or fifty forged
    presses, reach the team once; anyone may ask, a partner outside the programme included.
    """
    now = rt.clock.now()
    if rt.contacts_asked.next_free(telegram_id, now) is not None:
        log.info("safety.contact_repeated")
        return False
    rt.contacts_asked.use(telegram_id, now)
    handle = f"{telegram_id}:{username or ''}"
    token = secrets.token_hex(6)  # the key names nobody, and a second request is a new one
    count = 0
    async with rt.engine.begin() as conn:
        for focal in focal_points(rt):
            count += await outbox.enqueue(
                conn,
                key=f"contact:{token}:f{focal}",
                chat_id=focal,
                kind=CONTACT_KIND,
                due_at=now,
                ref=handle,
            )
    if count:
        rt.wake_sender()
    log.info("safety.contact_requested focal_points=%s", count)
    return True
