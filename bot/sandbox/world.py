"""The sandbox's world before anyone speaks: its settings, its clock's first moment, and the
demo group with its invite and facilitator (or those of a kept database, found again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.schedule import WEEKDAYS
from bot.emulator import BotAPIEmulator
from bot.i18n import _
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime
from bot.sandbox.personas import ADMIN, FACILITATOR, FOCAL, Persona, persona_of
from bot.sandbox.problem import SandboxProblem
from bot.sandbox.terminal import Terminal
from bot.services import facilitation
from bot.services.group_setup import create_groups, parse_spec
from bot.settings import Settings, load_settings
from bot.storage import groups, invites, people, staff
from bot.storage.tables import person

TIMEZONE = "Africa/Bamako"
GROUP_NAME = "Sandbox group"  # in English; the demo group is named in the sandbox's language
DEFAULT_CURRICULUM = "men-groups-12"
TICK_SECONDS = 0.5


@dataclass(frozen=True)
class Options:
    database_url: str
    lang: str = "en"
    curriculum: str | None = None
    fresh: bool = True  # False: a kept database that may already hold the demo group
    # Where the files Foyer sends (charts, CSV exports, /mydata) are saved; None: not saved.
    files_dir: Path | None = None


@dataclass
class World:
    """The demo group as the session finds it, and the personas who already exist."""

    group_id: int
    invite: str
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(TIMEZONE))
    group_name: str = GROUP_NAME
    personas: list[Persona] = field(default_factory=list)


def start_moment(today: date, tz: ZoneInfo) -> datetime:
    """The coming Tuesday (today if it is one) at 08:00 where the group meets."""
    day = today + timedelta(days=(1 - today.weekday()) % 7)
    return datetime.combine(day, time(8, 0), tz)


def sandbox_settings(emu: BotAPIEmulator, database_url: str) -> Settings:
    # Environment settings still apply (content folder, fallbacks...), but never the token,
    # the Bot API, the database or the admins: the sandbox only talks to its own emulator.
    return load_settings(
        _env_file=None,
        bot_token=emu.token,
        bot_api_url=emu.base_url.removesuffix("/bot"),
        database_url=database_url,
        tick_seconds=TICK_SECONDS,
        rate_limit=False,
        admin_ids=frozenset({ADMIN.user_id}),
        # The safeguarding focal point (:as focal) receives concerns and "talk to a person".
        safeguarding_ids=frozenset({FOCAL.user_id}),
    )


def database_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"


async def seed(
    rt: Runtime, clock: OffsetClock, term: Terminal, options: Options, lang: str
) -> World:
    """The demo group, its invite, the facilitator; on a kept database, find them again."""
    async with rt.engine.connect() as conn:
        existing = await groups.list_all(conn)
        strangers = (await conn.execute(select(person.c.telegram_id))).scalars().all()
    outsiders = [t for t in strangers if persona_of(t) is None]
    if outsiders:
        raise SandboxProblem(
            "this database holds people who are not sandbox personas; the sandbox only "
            "uses its own databases (leave out --db for a temporary one)"
        )
    if existing:
        g = existing[0]
        # Carry on where the planner stopped last time.
        clock.set(max(clock.now(), max(x.planned_until for x in existing)))
        async with rt.engine.connect() as conn:
            invite = await invites.current_member_code(conn, g.id) or ""
        met = [p for t in strangers if (p := persona_of(t)) is not None]
        world = World(g.id, invite, ZoneInfo(g.timezone), g.name, met)
    else:
        world = await _create_group(rt, clock, term, options)
    await _make_facilitator(rt, world.group_id, lang)
    # The focal point's chat exists, so concerns reach her; the admin's, so her menu is set.
    world.personas += [FACILITATOR, FOCAL, ADMIN]
    return world


async def _create_group(rt: Runtime, clock: OffsetClock, term: Terminal, options: Options) -> World:
    cur_id = options.curriculum or DEFAULT_CURRICULUM
    if rt.curricula.get(cur_id) is None:
        if options.curriculum is not None:
            raise SandboxProblem(
                f"no curriculum {cur_id!r}: use one of {', '.join(rt.curricula.ids())}"
            )
        cur_id = rt.curricula.ids()[0]
    tz = ZoneInfo(TIMEZONE)
    now = clock.now()
    meets = now.astimezone(tz).date() + timedelta(days=2)
    # Every couples session the curriculum has, so partners can be played too.
    couples = [w.number for w in rt.curricula[cur_id].week if w.couples_exercise]
    with term.speaking():
        name = _("Sandbox group")
    spec = parse_spec(
        {
            "name": name,
            "curriculum": cur_id,
            "timezone": TIMEZONE,
            "meets": f"{WEEKDAYS[meets.weekday()]} 17:00",
            "starts": meets.isoformat(),
            "language": options.lang,
            "couples_weeks": ",".join(str(n) for n in couples),
        },
        rt.curricula,
        now.astimezone(tz).date(),
    )
    ((group_id, invite),) = await create_groups(rt, [spec])
    return World(group_id, invite, tz, name)


async def _make_facilitator(rt: Runtime, group_id: int, lang: str) -> None:
    """The facilitator runs the demo group from the start: invited and accepted the way a
    real facilitator is, without the dialogue (play it with a new facilitator invite)."""
    async with rt.engine.connect() as conn:
        known = await people.by_telegram_id(conn, FACILITATOR.user_id)
        runs = known is not None and group_id in await staff.groups_of(conn, known.id)
    if not runs:
        code = await facilitation.create_invite(rt, group_id)
        accepted = code and await facilitation.accept_invite(rt, code, FACILITATOR.user_id, lang)
        if not accepted:
            raise SandboxProblem("the demo group's facilitator could not be set up")
