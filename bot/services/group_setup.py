"""Setting groups up (CLI, CSV import, and later the facilitator's wizard share this)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.domain.countries import check_country
from bot.domain.couples import parse_weeks
from bot.domain.curricula import Curricula
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.places import check_region
from bot.domain.schedule import (
    GroupSchedule,
    ScheduleError,
    parse_timezone,
    parse_weekday_time,
)
from bot.runtime import Runtime
from bot.storage import groups, invites

FIELDS = (
    "name",
    "curriculum",
    "timezone",
    "meets",
    "delivers",
    "starts",
    "language",
    "couples_weeks",
    "country",
    "guide_hours",
    "region",
)
GUIDE_HOURS_DEFAULT = 24


@dataclass(frozen=True)
class GroupSpec:
    name: str
    curriculum_id: str
    language: str
    schedule: GroupSchedule
    couples_weeks: str = ""  # weeks of a men's curriculum that carry the couples exercise
    country: str | None = None  # ISO code; None: read off the timezone
    guide_hours: int = GUIDE_HOURS_DEFAULT  # the facilitators' discussion guide, hours ahead
    region: str | None = None  # as the programme's reports name it ("Ségou"); None: not set


def parse_spec(raw: dict[str, str | None], curricula: Curricula, today: date) -> GroupSpec:
    """Validate one group's fields; ValueError says what is wrong in one line."""
    name = (raw.get("name") or "").strip()
    if not name or len(name) > 120:
        raise ValueError("name: give a name of 1 to 120 characters")
    cur_id = (raw.get("curriculum") or "").strip()
    cur = curricula.get(cur_id)
    if cur is None:
        raise ValueError(f"curriculum: {cur_id!r} is not one of {', '.join(curricula.ids())}")
    language = (raw.get("language") or "en").strip()
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"language: must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    try:
        tz = (raw.get("timezone") or "").strip()
        parse_timezone(tz)
        meet_day, meet_time = parse_weekday_time(raw.get("meets") or "")
        delivers = (raw.get("delivers") or "").strip()
        if delivers:
            deliver_day, deliver_time = parse_weekday_time(delivers)
        else:  # the day after the meeting, at 09:00
            deliver_day, deliver_time = parse_weekday_time(
                f"{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[(meet_day + 1) % 7]} 09:00"
            )
    except ScheduleError as exc:
        raise ValueError(str(exc)) from None
    starts_text = (raw.get("starts") or "").strip()
    try:
        if starts_text.casefold() == "next":  # the first meeting day after today
            starts = today + timedelta(days=(meet_day - today.weekday() - 1) % 7 + 1)
        else:
            starts = date.fromisoformat(starts_text)
    except ValueError:
        raise ValueError(
            "starts: give the first meeting's date as YYYY-MM-DD, or 'next' for the next "
            "meeting day"
        ) from None
    if starts < today:
        raise ValueError("starts: the first meeting cannot be in the past")
    if starts.weekday() != meet_day:
        raise ValueError("starts: this date is not on the meeting weekday")
    couples = (raw.get("couples_weeks") or "").strip()
    if couples:
        try:
            weeks = parse_weeks(couples)
        except ValueError as exc:
            raise ValueError(f"couples_weeks: {exc}") from None
        with_exercise = {w.number for w in cur.week if w.couples_exercise is not None}
        if not set(weeks) <= with_exercise:
            raise ValueError(
                "couples_weeks: this curriculum has couples exercises only in weeks "
                + ",".join(str(w) for w in sorted(with_exercise))
            )
        couples = ",".join(str(w) for w in weeks)
    country = (raw.get("country") or "").strip() or None
    if country is not None:
        country = check_country(country)
    region = check_region(raw.get("region"))
    guide = str(raw.get("guide_hours") or "").strip() or str(GUIDE_HOURS_DEFAULT)
    if not guide.isdigit() or not 1 <= int(guide) <= 72:
        raise ValueError("guide_hours: give the hours before the meeting, from 1 to 72")
    schedule = GroupSchedule(
        timezone=tz,
        meet_weekday=meet_day,
        meet_time=meet_time,
        deliver_weekday=deliver_day,
        deliver_time=deliver_time,
        starts=starts,
        weeks=cur.weeks,
    )
    return GroupSpec(
        name=name,
        curriculum_id=cur_id,
        language=language,
        schedule=schedule,
        couples_weeks=couples,
        country=country,
        guide_hours=int(guide),
        region=region,
    )


async def create_groups(rt: Runtime, specs: list[GroupSpec]) -> list[tuple[int, str]]:
    """Create every group with its member invite code in one transaction: all or nothing.

    Every way of creating a group (the CLI, a CSV import, /newgroup) comes through here, so
    the deployment's FOYER_CHECKIN_AFTER_DAYS is applied here."""
    now = rt.clock.now()
    created: list[tuple[int, str]] = []
    async with rt.engine.begin() as conn:
        for spec in specs:
            gid = await groups.create(
                conn,
                name=spec.name,
                curriculum_id=spec.curriculum_id,
                language=spec.language,
                schedule=replace(spec.schedule, checkin_after_days=rt.settings.checkin_after_days),
                now=now,
                couples_weeks=spec.couples_weeks,
                country=spec.country,
                guide_hours_before=spec.guide_hours,
                region=spec.region,
            )
            code = await invites.create(conn, kind="member", group_id=gid, now=now)
            created.append((gid, code))
    return created


async def renew_invite(rt: Runtime, group_id: int) -> str | None:
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        if await groups.get(conn, group_id) is None:
            return None
        await invites.revoke_member_codes(conn, group_id, now)
        return await invites.create(conn, kind="member", group_id=group_id, now=now)
