"""What a facilitator does with one group: overview, invite link, postpone, pause, schedule,
members, reminders. The caller has authorized the person (bot/services/staff_access.py) and
passes the group; what cannot be done raises Unavailable."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.delivery.due import full_schedule
from bot.domain.policy import Unavailable
from bot.domain.schedule import GroupSchedule, parse_weekday_time
from bot.runtime import Runtime
from bot.services import invitations
from bot.services.facilitation import authorize, person_id_of, refresh_cursor
from bot.services.group_setup import GroupSpec, create_groups
from bot.services.invitations import InviteKind, Refused
from bot.services.staff_access import Staff
from bot.storage import group_settings, groups, invites, memberships, outbox, removals, staff
from bot.storage.groups import GroupRow
from bot.storage.tables import membership, person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overview:
    group: GroupRow
    members: int
    next_meeting: datetime | None
    next_meeting_week: int | None
    next_delivery: datetime | None
    current_week: int
    weeks: int


async def schedule_of(rt: Runtime, g: GroupRow) -> GroupSchedule | None:
    async with rt.engine.connect() as conn:
        return await full_schedule(conn, rt, g)


async def overview_of(rt: Runtime, g: GroupRow, counts: dict[int, int] | None = None) -> Overview:
    now = rt.clock.now()
    async with rt.engine.connect() as conn:
        if counts is None:
            counts = await groups.member_counts(conn)
        schedule = await full_schedule(conn, rt, g)
    if schedule is None:
        return Overview(g, counts.get(g.id, 0), None, None, None, 0, 0)
    week = schedule.current_week(now)
    meet_week = schedule.next_meeting_week(now)
    return Overview(
        group=g,
        members=counts.get(g.id, 0),
        next_meeting=schedule.meeting_at(meet_week) if meet_week else None,
        next_meeting_week=meet_week,
        next_delivery=schedule.delivery_at(week + 1) if week < schedule.weeks else None,
        current_week=week,
        weeks=schedule.weeks,
    )


async def current(rt: Runtime, group_id: int) -> GroupRow:
    """The group as it is now, after a change (groups are never deleted while staff act)."""
    async with rt.engine.connect() as conn:
        g = await groups.get(conn, group_id)
    if g is None:
        raise Unavailable
    return g


async def my_groups(rt: Runtime, group_ids: frozenset[int]) -> list[Overview]:
    out = []
    async with rt.engine.connect() as conn:
        rows = [await groups.get(conn, gid) for gid in sorted(group_ids)]
        counts = await groups.member_counts(conn)  # once, not once a group
    for g in rows:
        if g is not None:
            out.append(await overview_of(rt, g, counts))
    return out


# --- invite link -------------------------------------------------------------------------------


async def invite_code(rt: Runtime, g: GroupRow) -> str | None:
    """The group's working invite code; None when it has none."""
    async with rt.engine.connect() as conn:
        return await invites.current_member_code(conn, g.id)


async def renew_invite(rt: Runtime, g: GroupRow) -> str:
    group_id = g.id
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        await invites.revoke_member_codes(conn, group_id, now)
        code = await invites.create(conn, kind="member", group_id=group_id, now=now)
    log.info("group_admin.invite_renewed group=%s", group_id)
    return code


async def revoke_invite(rt: Runtime, g: GroupRow) -> None:
    async with rt.engine.begin() as conn:
        await invites.revoke_member_codes(conn, g.id, rt.clock.now())
    log.info("group_admin.invite_revoked group=%s", g.id)


# --- calendar ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Postponed:
    week: int
    meeting: datetime


async def postpone(rt: Runtime, g: GroupRow) -> Postponed:
    """Move the next meeting (and every later week) one week on; Unavailable when there is no
    meeting left to move."""
    schedule = await schedule_of(rt, g)
    week = schedule.next_meeting_week(rt.clock.now()) if schedule else None
    if schedule is None or week is None:
        raise Unavailable
    weeks = (*g.postponed_weeks, week)
    async with rt.engine.begin() as conn:
        await group_settings.set_postponed(conn, g.id, weeks)
        await refresh_cursor(conn, rt, g)
    log.info("group_admin.postponed group=%s week=%s", g.id, week)
    return Postponed(week, replace(schedule, postponed_weeks=weeks).meeting_at(week))


async def set_paused(rt: Runtime, g: GroupRow, paused: bool) -> bool:
    """Pause or resume the whole group (False: it already was). On resume the programme
    continues where it stopped: the first week not yet delivered moves on by the weeks the
    pause lasted."""
    group_id = g.id
    if g.paused == paused:
        return False
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        await group_settings.set_values(conn, group_id, paused=paused)
        if not paused:
            schedule = await full_schedule(conn, rt, g)
            if schedule is not None:
                week = schedule.current_week(g.planned_until) + 1
                shifts: tuple[int, ...] = ()
                while week <= schedule.weeks and len(shifts) < 104:
                    trial = replace(schedule, postponed_weeks=(*g.postponed_weeks, *shifts))
                    if trial.meeting_at(week) > now:
                        break
                    shifts = (*shifts, week)
                if shifts:
                    await group_settings.set_postponed(
                        conn, group_id, (*g.postponed_weeks, *shifts)
                    )
            await refresh_cursor(conn, rt, g)
    log.info("group_admin.paused group=%s paused=%s", group_id, paused)
    return True


async def edit_schedule(
    rt: Runtime, g: GroupRow, *, meets: str | None, delivers: str | None
) -> None:
    """New meeting and/or delivery day and time (ScheduleError for a bad entry).

    The first meeting's date moves to the new weekday, so later weeks keep their numbers."""
    group_id = g.id
    values: dict[str, object] = {}
    if meets:
        day, at = parse_weekday_time(meets)
        shift = (day - g.meet_weekday) % 7
        values.update(
            meet_weekday=day,
            meet_time=at.strftime("%H:%M"),
            starts_on=g.starts_on + timedelta(days=shift),
        )
    if delivers:
        day, at = parse_weekday_time(delivers)
        values.update(deliver_weekday=day, deliver_time=at.strftime("%H:%M"))
    async with rt.engine.begin() as conn:
        if values:
            await group_settings.set_values(conn, group_id, **values)
        await refresh_cursor(conn, rt, g)
    log.info("group_admin.schedule_edited group=%s", group_id)


async def toggle(rt: Runtime, g: GroupRow, setting: str) -> bool:
    """Turn a reminder (or the weekly summary) on or off; returns the new value."""
    if setting not in group_settings.TOGGLES:
        raise ValueError(setting)
    value = not bool(getattr(g, setting))
    await _change(rt, g, **{setting: value})
    log.info("group_admin.toggled group=%s setting=%s value=%s", g.id, setting, value)
    return value


async def set_guide_hours(rt: Runtime, g: GroupRow, hours: int) -> None:
    if not 1 <= hours <= 72:
        raise ValueError(hours)
    await _change(rt, g, guide_hours_before=hours)


async def set_region(rt: Runtime, g: GroupRow, region: str | None) -> None:
    """The group's region for the programme's reports (checked: bot.domain.places)."""
    async with rt.engine.begin() as conn:
        await groups.set_region(conn, g.id, region)
    log.info("group.region_set group=%s", g.id)


async def _change(rt: Runtime, g: GroupRow, **values: object) -> None:
    """Settings the planner reads: its cursor follows them."""
    async with rt.engine.begin() as conn:
        await group_settings.set_values(conn, g.id, **values)
        await refresh_cursor(conn, rt, g)


# --- members -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberEntry:
    membership_id: int
    number: int
    first_name: str | None  # only when the member chose to show it at enrolment


async def listed_members(rt: Runtime, group_id: int) -> list[MemberEntry]:
    """Current members as staff may see them (chosen first name or number). Callers authorize."""
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(membership.c.id, membership.c.number, person.c.first_name)
            .join(person, person.c.id == membership.c.person_id)
            .where(
                membership.c.group_id == group_id,
                membership.c.role == "member",
                membership.c.status.in_(("active", "paused")),
            )
            .order_by(membership.c.number)
        )
        return [MemberEntry(r.id, r.number, r.first_name) for r in rows]


async def remove_member(rt: Runtime, g: GroupRow, membership_id: int) -> MemberEntry:
    """Remove a member (a code-of-conduct breach); they get a neutral message. Unavailable:
    not a current member of this group."""
    group_id = g.id
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        row = (
            await conn.execute(
                select(
                    membership.c.id,
                    membership.c.number,
                    membership.c.person_id,
                    person.c.first_name,
                    person.c.telegram_id,
                )
                .join(person, person.c.id == membership.c.person_id)
                .where(
                    membership.c.id == membership_id,
                    membership.c.group_id == group_id,
                    membership.c.role == "member",
                    membership.c.status.in_(("active", "paused")),
                )
            )
        ).first()
        if row is None:
            raise Unavailable
        await memberships.remove(conn, membership_id, now)
        # Outlives the membership row, which /forget deletes: a link alone never brings back.
        await removals.remember(conn, group_id, row.telegram_id, now)
        await outbox.withdraw_member(
            conn, group_id, membership_id, row.person_id, row.telegram_id, now
        )
    rt.wake_sender()
    log.info("group_admin.member_removed group=%s membership=%s", group_id, membership_id)
    return MemberEntry(row.id, row.number, row.first_name)


# --- the group's own Telegram chat ---------------------------------------------------------------

CHAT_CODE_LIFETIME = timedelta(days=1)


async def chat_link_code(rt: Runtime, g: GroupRow) -> str:
    """A one-time code for /link in the group chat, valid a day (the caller facilitates g)."""
    async with rt.engine.begin() as conn:
        return await invitations.issue(
            conn, InviteKind.CHAT, rt.clock.now(), CHAT_CODE_LIFETIME, group_id=g.id
        )


async def link_chat(rt: Runtime, telegram_id: int, code: str, chat_id: int) -> GroupRow | None:
    """Link a Telegram group chat; only the group's own facilitator can, with a fresh code."""
    now = rt.clock.now()
    async with rt.engine.connect() as conn:
        found = await invitations.open_invitation(conn, code, InviteKind.CHAT, now)
    if isinstance(found, Refused) or found.group is None:
        return None
    group_id = found.group.id
    if await authorize(rt, telegram_id, group_id) is None:
        return None
    async with rt.engine.begin() as conn:
        if not await invitations.claim(conn, found, now):
            return None
        await group_settings.unlink_chat(conn, chat_id)  # one chat serves one group
        await group_settings.set_values(conn, group_id, chat_id=chat_id)
        g = await groups.get(conn, group_id)
    log.info("group_admin.chat_linked group=%s", group_id)
    return g


async def unlink_chat(rt: Runtime, chat_id: int) -> None:
    async with rt.engine.begin() as conn:
        n = await group_settings.unlink_chat(conn, chat_id)
    if n:
        log.info("group_admin.chat_unlinked")


# --- a new group from the /newgroup wizard ------------------------------------------------------


async def create_group(rt: Runtime, creator: Staff, spec: GroupSpec) -> tuple[int, str]:
    """Create the group with its invite link; its creator (a facilitator, as the caller
    checked) becomes its facilitator."""
    ((gid, code),) = await create_groups(rt, [spec])
    person_id = await person_id_of(rt, creator.telegram_id)
    assert person_id is not None
    async with rt.engine.begin() as conn:
        await staff.add_facilitation(conn, gid, person_id, rt.clock.now())
        g = await groups.get(conn, gid)
        assert g is not None
        await refresh_cursor(conn, rt, g)
    log.info("group_admin.group_created group=%s", gid)
    return gid, code
