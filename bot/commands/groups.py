"""foyer group ...: set up groups before anyone opens Telegram."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import group_csv
from bot.commands.common import (
    LINK_BY_HAND,
    BotUsername,
    bot_username,
    curricula,
    on_current_db,
    print_listing,
    require_current_db,
    settings,
    with_runtime,
)
from bot.commands.errors import CliError
from bot.delivery.due import schedule_for
from bot.domain.places import check_region
from bot.domain.schedule import WEEKDAYS
from bot.runtime import Runtime
from bot.services.group_setup import (
    FIELDS,
    GroupSpec,
    create_groups,
    parse_spec,
    renew_invite,
)
from bot.storage import groups, invites
from bot.storage.groups import GroupRow


def _print_created(rows: list[dict[str, Any]], as_json: bool, username: BotUsername) -> None:
    if as_json:
        print(json.dumps(rows if len(rows) != 1 else rows[0], indent=2))
        return
    for r in rows:
        print(f"group {r['id']}: {r['name']}")
        # The times as understood ("thu 5:00" is 05:00), so a slip shows before anyone joins.
        print(f"  meets: {r['meets_as_understood']}")
        print(f"  messages: {r['delivers_as_understood']}")
        if r["region"]:
            print(f"  region: {r['region']}")
        print(f"  invite code: {r['invite_code']}")
        print(f"  invite link: {username.shown(r['invite_code'])}")
    if username.name is None:
        print(LINK_BY_HAND)


def _created_row(spec: GroupSpec, gid: int, code: str, username: BotUsername) -> dict[str, Any]:
    from babel.dates import format_date, get_day_names

    sched = spec.schedule
    days = get_day_names("wide", locale="en")
    return {
        "id": gid,
        "name": spec.name,
        "invite_code": code,
        "invite_link": username.link(code),
        "meets": f"{WEEKDAYS[sched.meet_weekday]} {sched.meet_time:%H:%M}",
        "delivers": f"{WEEKDAYS[sched.deliver_weekday]} {sched.deliver_time:%H:%M}",
        "starts": sched.starts.isoformat(),
        "timezone": sched.timezone,
        "region": spec.region,
        "meets_as_understood": (
            f"every {days[sched.meet_weekday]} at {sched.meet_time:%H:%M} ({sched.timezone}), "
            f"first on {format_date(sched.starts, 'EEEE d MMMM y', locale='en')}"
        ),
        "delivers_as_understood": (
            f"every {days[sched.deliver_weekday]} at {sched.deliver_time:%H:%M}"
        ),
    }


async def _create_noting_twins(rt: Runtime, specs: list[GroupSpec]) -> list[tuple[int, str]]:
    """Create the groups and say, on stderr, which share a name with another group: nothing
    stops it, but facilitators and members tell their groups apart by name."""
    async with rt.engine.connect() as conn:
        first_of: dict[str, int] = {}
        for g in await groups.list_all(conn):
            first_of.setdefault(g.name.strip().casefold(), g.id)
    created = await create_groups(rt, specs)
    for spec, (gid, _code) in zip(specs, created, strict=True):
        twin = first_of.setdefault(spec.name.strip().casefold(), gid)
        if twin != gid:
            print(
                f"foyer: note: group {gid} is called {spec.name!r}, as group {twin} is; "
                "people tell groups apart by their names",
                file=sys.stderr,
            )
    return created


def create(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    raw = {f: getattr(args, f, None) for f in FIELDS}
    try:
        spec = parse_spec(raw, curricula(s), datetime.now(UTC).date())
    except ValueError as exc:
        raise CliError(str(exc)) from None
    created = with_runtime(s, lambda rt: _create_noting_twins(rt, [spec]))
    gid, code = created[0]
    username = bot_username(s)
    _print_created([_created_row(spec, gid, code, username)], args.json, username)
    return 0


async def _set_region(rt: Runtime, group_id: int, region: str | None) -> bool:
    async with rt.engine.begin() as conn:
        return await groups.set_region(conn, group_id, region)


def set_region(args: argparse.Namespace) -> int:
    try:
        region = check_region(args.region)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not on_current_db(lambda rt: _set_region(rt, args.id, region)):
        raise CliError(f"there is no group {args.id}")
    print(f"group {args.id}: region {region or '(none)'}")
    return 0


def import_csv(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    path = Path(args.file)
    table = group_csv.read(path, FIELDS)
    registry = curricula(s)
    today = datetime.now(UTC).date()
    specs = []
    for line, row in table.rows:
        try:
            specs.append(parse_spec(row, registry, today))
        except ValueError as exc:
            raise CliError(f"line {line}: {exc}") from None
    if not specs:
        raise CliError(f"{path}: no groups in the file")
    created = with_runtime(s, lambda rt: _create_noting_twins(rt, specs))
    username = bot_username(s)
    _print_created(
        [
            _created_row(spec, gid, code, username)
            for spec, (gid, code) in zip(specs, created, strict=True)
        ],
        args.json,
        username,
    )
    if table.encoding == "windows-1252":
        print(
            f"foyer: note: {path} is not UTF-8 and was read as Windows-1252: check the names "
            "above (save it as 'CSV UTF-8' to be sure)",
            file=sys.stderr,
        )
    return 0


def _describe(rt: Runtime, g: GroupRow, members: int, code: str | None) -> dict[str, Any]:
    now = rt.clock.now()
    schedule = schedule_for(rt, g)
    tz = ZoneInfo(g.timezone)
    info: dict[str, Any] = {
        "id": g.id,
        "name": g.name,
        "curriculum": g.curriculum_id,
        "language": g.language,
        "timezone": g.timezone,
        "country": g.country,
        "region": g.region,
        "meets": f"{WEEKDAYS[g.meet_weekday]} {g.meet_time:%H:%M}",
        "delivers": f"{WEEKDAYS[g.deliver_weekday]} {g.deliver_time:%H:%M}",
        "guide_hours": g.guide_hours_before,
        "starts": g.starts_on.isoformat(),
        "paused": g.paused,
        "members": members,
        "invite_code": code,
        "current_week": None,
        "next_delivery": None,
    }
    if schedule is not None:
        week = schedule.current_week(now)
        info["current_week"] = week
        if week < schedule.weeks:
            info["next_delivery"] = (
                schedule.delivery_at(week + 1).astimezone(tz).isoformat(timespec="minutes")
            )
    return info


async def _gather(rt: Runtime, group_id: int | None) -> list[dict[str, Any]]:
    async with rt.engine.connect() as conn:
        rows = await groups.list_all(conn)
        counts = await groups.member_counts(conn)
        out = []
        for g in rows:
            if group_id is not None and g.id != group_id:
                continue
            code = await invites.current_member_code(conn, g.id)
            out.append(_describe(rt, g, counts.get(g.id, 0), code))
    return out


def list_groups(args: argparse.Namespace) -> int:
    rows = on_current_db(lambda rt: _gather(rt, None))
    print_listing(
        rows,
        args.json,
        "no groups yet: create one with 'foyer group create'",
        lambda r: (
            f"{r['id']:>4}  {r['name']}  ({r['curriculum']}, {r['members']} members, "
            f"week {r['current_week']})"
        ),
    )
    return 0


def show(args: argparse.Namespace) -> int:
    rows = on_current_db(lambda rt: _gather(rt, args.id))
    if not rows:
        raise CliError(f"there is no group {args.id}")
    info = rows[0]
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    for key, value in info.items():
        print(f"{key.replace('_', ' ')}: {value if value is not None else '-'}")
    return 0


def revoke_invite(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    code = with_runtime(s, lambda rt: renew_invite(rt, args.id))
    if code is None:
        raise CliError(f"there is no group {args.id}")
    username = bot_username(s)
    print("the old invite code no longer works")
    print(f"new invite code: {code}")
    print(f"new invite link: {username.shown(code)}")
    if username.name is None:
        print(LINK_BY_HAND)
    return 0
