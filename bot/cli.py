"""`foyer` on the command line. Heavy imports happen inside each command, so --help is instant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.commands import report
from bot.commands.audio_parsers import add_audio_parsers
from bot.commands.recorder_parser import add_recorder_parsers

Command = Callable[[argparse.Namespace], int]


def _version() -> str:
    """The installed package's version (pyproject.toml), as pip and bug reports see it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("foyer")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="foyer",
        description="Foyer: weekly programmes for men's groups and couples, over Telegram.",
    )
    p.add_argument("--version", action="version", version=f"foyer {_version()}")
    # No command: `foyer` alone serves Telegram with a token, else opens the sandbox (main()).
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="serve the bot on Telegram (needs FOYER_BOT_TOKEN)",
        description="Serve the bot: answer people and deliver the weekly programme.",
    )
    run.add_argument("--upgrade", action="store_true", help="upgrade the database first if needed")
    run.set_defaults(func=_cmd("bot.commands.run:run"))

    sandbox = sub.add_parser(
        "sandbox",
        help="try Foyer offline: a terminal chat with a simulated Telegram (no token needed)",
        description="Start Foyer against the built-in Telegram emulator with a demo group, and "
        "chat with it as any person (member, facilitator, partner). Type :help inside.",
    )
    sandbox.add_argument(
        "--db", metavar="PATH", help="keep the sandbox's database in this file (default: temporary)"
    )
    sandbox.add_argument(
        "--script",
        metavar="FILE",
        help="play a file of sandbox lines and print the conversation ('demo' and 'demo.fr' "
        "are shipped)",
    )
    sandbox.add_argument(
        "--lang",
        choices=("en", "fr", "es", "bm"),
        help="the simulated people's Telegram language and the group's language (default en, "
        "or a script's first :lang line)",
    )
    sandbox.add_argument("--curriculum", help="the demo group's curriculum (default men-groups-12)")
    sandbox.set_defaults(func=_cmd("bot.commands.sandbox:run"))

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser(
        "upgrade",
        help="create or upgrade the database schema",
        description="Create or upgrade the database at FOYER_DATABASE_URL to the latest schema.",
    )
    up.set_defaults(func=_cmd("bot.commands.db:upgrade"))
    cp = db_sub.add_parser(
        "copy",
        help="copy every row to another, empty database (e.g. from SQLite to PostgreSQL)",
        description="Copy the database at FOYER_DATABASE_URL into an empty one, all or nothing: "
        "the target is migrated, filled in one transaction and every table's rows counted on "
        "both sides. A failed copy leaves the target as it was, so it can be run again. Stop "
        "'foyer run' first; then point FOYER_DATABASE_URL at the target.",
    )
    cp.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the target, e.g. postgresql+asyncpg://foyer:PASSWORD@HOST/foyer",
    )
    cp.set_defaults(func=_cmd("bot.commands.db:copy"))
    bk = db_sub.add_parser(
        "backup",
        help="write a consistent backup of the database to FILE, while Foyer runs",
        description="Write a consistent copy of the database at FOYER_DATABASE_URL to FILE, "
        "beside a running 'foyer run': SQLite through its online backup API, PostgreSQL "
        "through pg_dump (custom format; PostgreSQL's client tools must be on PATH). FILE "
        "must not exist; it appears only once the backup is complete. See docs/backups.md.",
    )
    bk.add_argument("file", metavar="FILE", help="the backup file to write (a new name)")
    bk.set_defaults(func=_cmd("bot.commands.backup:backup"))
    rs = db_sub.add_parser(
        "restore",
        help="restore a backup into an empty database",
        description="Restore FILE (made by 'foyer db backup') into the empty database at "
        "FOYER_DATABASE_URL (a SQLite file that does not exist yet, or an empty PostgreSQL "
        "database), then check it opens and say whether 'foyer db upgrade' is needed. It holds "
        "the database meanwhile, so nothing serves it half restored. See docs/backups.md.",
    )
    rs.add_argument("file", metavar="FILE", help="the backup file")
    rs.set_defaults(func=_cmd("bot.commands.backup:restore"))
    fa = db_sub.add_parser(
        "forget-again",
        help="after a restore: erase again people whose /forget came after the backup",
        description="After 'foyer db restore', erase again the people who used /forget after "
        "the backup was taken: the log has one 'privacy.forgotten person=NUMBER' line for "
        "each. Run it before Foyer serves the restored database. See docs/backups.md.",
    )
    fa.add_argument("person", metavar="NUMBER", type=int, nargs="+", help="a logged person number")
    fa.set_defaults(func=_cmd("bot.commands.backup:forget_again"))

    st = sub.add_parser(
        "status",
        help="is the running Foyer well? exit 0 healthy, 1 degraded, 2 down",
        description="Read the database the running Foyer writes to (no call to Telegram) and "
        "say whether it is healthy: the database, its migrations, the planner's last tick, "
        "the messages waiting and how late, Telegram's last answer. Exit 0 healthy, "
        "1 degraded (serving, but look), 2 down. Counts under FOYER_MIN_COUNT read <N.",
    )
    st.add_argument("--json", action="store_true", help="print JSON (for a monitor)")
    st.set_defaults(func=_cmd("bot.commands.status:status"))

    _group_parsers(sub)
    _content_parsers(sub)
    report.add_parsers(sub)
    _staff_role_parsers(sub, _FACILITATOR)
    _staff_role_parsers(sub, _PARTNER_CONTACT)
    add_recorder_parsers(sub, _cmd)
    return p


@dataclass(frozen=True)
class _StaffRole:
    """What `foyer facilitator` and `foyer partner-contact` say: the same three actions."""

    command: str
    help: str
    description: str
    module: str  # bot.commands.<module> holds invite, <list_name> and revoke
    invite_help: str
    invite_description: str
    group_required: bool
    group_help: str
    list_name: str
    list_help: str
    revoke_help: str
    revoke_description: str
    revoke_id_help: str


_FACILITATOR = _StaffRole(
    command="facilitator",
    help="invite, list and revoke facilitators",
    description="Facilitators.",
    module="facilitators",
    invite_help="print a one-time facilitator invite link (valid 7 days)",
    invite_description="Print a one-time deep link that makes its opener a facilitator once "
    "they accept the facilitators' code of conduct. It expires in 7 days.",
    group_required=False,
    group_help="the group they will facilitate (id)",
    list_name="list_facilitators",
    list_help="facilitators",
    revoke_help="end someone's facilitator role",
    revoke_description="End a facilitator's role and their access to every group they ran.",
    revoke_id_help="the facilitator's Telegram user id",
)
_PARTNER_CONTACT = _StaffRole(
    command="partner-contact",
    help="register women's organisation contacts who invite members' partners",
    description="Partner contacts (for example from a women's organisation) may invite the "
    "partners of a group's members to the couples exercises, so the invitation need not "
    "pass through the man.",
    module="partner_contacts",
    invite_help="print a one-time link that makes its opener a group's partner contact (7 days)",
    invite_description="Print a one-time deep link, valid 7 days, that makes its opener the "
    "partner contact of one group once they accept the facilitators' code of conduct.",
    group_required=True,
    group_help="the group (id)",
    list_name="list_contacts",
    list_help="partner contacts",
    revoke_help="end someone's partner-contact role",
    revoke_description="End a partner contact's role for every group.",
    revoke_id_help="the contact's Telegram user id",
)


def _staff_role_parsers(sub: argparse._SubParsersAction, role: _StaffRole) -> None:
    parser = sub.add_parser(role.command, help=role.help, description=role.description)
    actions = parser.add_subparsers(dest=f"{role.module}_command", metavar="ACTION", required=True)
    module = f"bot.commands.{role.module}"
    inv = actions.add_parser("invite", help=role.invite_help, description=role.invite_description)
    inv.add_argument("--group", type=int, required=role.group_required, help=role.group_help)
    inv.add_argument("--json", action="store_true", help="print JSON")
    inv.set_defaults(func=_cmd(f"{module}:invite"))
    lst = actions.add_parser(
        "list", help=f"list {role.list_help}", description=f"List {role.list_help}."
    )
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=_cmd(f"{module}:{role.list_name}"))
    rev = actions.add_parser("revoke", help=role.revoke_help, description=role.revoke_description)
    rev.add_argument("telegram_id", type=int, help=role.revoke_id_help)
    rev.set_defaults(func=_cmd(f"{module}:revoke"))


def _group_parsers(sub: argparse._SubParsersAction) -> None:
    grp = sub.add_parser(
        "group", help="set up and inspect groups", description="Set up and inspect groups."
    )
    gs = grp.add_subparsers(dest="group_command", metavar="ACTION", required=True)

    create = gs.add_parser(
        "create",
        help="create a group and print its invite link",
        description="Create a group and print its id, invite code and invite link.",
    )
    create.add_argument("--name", required=True, help="the group's name, as members will see it")
    create.add_argument("--curriculum", required=True, help="curriculum id, e.g. men-groups-12")
    create.add_argument("--timezone", required=True, help="IANA timezone, e.g. Africa/Bamako")
    create.add_argument("--meets", required=True, help='weekly meeting, e.g. "thu 17:00"')
    create.add_argument(
        "--delivers",
        help='weekly delivery, e.g. "fri 09:00" (default: the day after the meeting at 09:00)',
    )
    create.add_argument(
        "--starts",
        required=True,
        help="date of the first meeting, YYYY-MM-DD, or 'next' for the next meeting day after "
        "today",
    )
    create.add_argument("--language", default="en", help="the group's main language (en fr es bm)")
    create.add_argument(
        "--country",
        help="two-letter country code for the help resources (default: from the timezone)",
    )
    create.add_argument(
        "--couples-weeks",
        help="weeks whose couples exercise is also sent to partners, e.g. 3,6,9,12 "
        "(a couples curriculum such as couples-8 has a couples track every week)",
    )
    create.add_argument(
        "--guide-hours",
        help="hours before each meeting the facilitators get the discussion guide "
        "(1-72, default 24)",
    )
    create.add_argument("--region", help='the region, as the programme reports name it ("Ségou")')
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(func=_cmd("bot.commands.groups:create"))
    reg = gs.add_parser("set-region", help="set a group's region for the programme reports")
    reg.add_argument("id", type=int, help="group id")
    reg.add_argument("region", help='the region, e.g. "Ségou" ("" to clear it)')
    reg.set_defaults(func=_cmd("bot.commands.groups:set_region"))

    lst = gs.add_parser("list", help="list groups", description="List every group.")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=_cmd("bot.commands.groups:list_groups"))

    show = gs.add_parser(
        "show",
        help="show one group",
        description="Show a group's schedule, member count, current week and next delivery.",
    )
    show.add_argument("id", type=int, help="group id")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=_cmd("bot.commands.groups:show"))

    rev = gs.add_parser(
        "revoke-invite",
        help="replace a group's invite code",
        description="Stop the group's invite code from working and print a new one.",
    )
    rev.add_argument("id", type=int, help="group id")
    rev.set_defaults(func=_cmd("bot.commands.groups:revoke_invite"))

    imp = gs.add_parser(
        "import",
        help="create many groups from a CSV file",
        description="Create groups from a CSV file whose header names the same fields as "
        "'group create': name, curriculum, timezone, meets, delivers, starts, language, "
        "country, region, couples_weeks, guide_hours. Values may be separated by commas, "
        "semicolons or tabs; the file saved as CSV UTF-8 or Excel's plain CSV (Windows-1252). "
        "A bad row stops the import with 'line N: reason' and nothing is created.",
    )
    imp.add_argument("file", help="the CSV file")
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(func=_cmd("bot.commands.groups:import_csv"))


def _content_parsers(sub: argparse._SubParsersAction) -> None:
    content = sub.add_parser(
        "content",
        help="check, preview and count the programme content",
        description="Tools for content authors and translators (see conversations/README.md).",
    )
    cs = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    locales_help = "the folder holding <lang>/LC_MESSAGES/content.po (default: the shipped one)"

    check = cs.add_parser(
        "check",
        help="check curricula and translations; exit 1 with 'file:week:field: problem' lines",
        description="Check the schema, every language (French and Spanish complete; a language "
        "with a fallback, such as Bambara, may be partial: its gaps are flagged, not failures), "
        "Telegram's limits and HTML on the rendered messages, and placeholders. Exit 0 when "
        "clean, 1 with one 'file:week:field: problem' line per problem.",
    )
    check.add_argument(
        "path", nargs="?", help="a curriculum .toml or a folder (default: FOYER_CONTENT_DIR)"
    )
    check.add_argument("--locales", help=locales_help)
    check.add_argument(
        "--flagged", action="store_true", help="also list each string awaiting review"
    )
    check.set_defaults(func=_cmd("bot.commands.content:check"))

    preview = cs.add_parser(
        "preview",
        help="print what one person receives in one week",
        description="Print exactly what a person receives in a week, in order, with buttons, "
        "rendered by the bot's own renderers.",
    )
    preview.add_argument("curriculum", help="curriculum id (e.g. men-groups-12) or a .toml file")
    preview.add_argument("--week", type=int, required=True, help="week number")
    preview.add_argument("--lang", help="language: en fr es bm (default: FOYER_DEFAULT_LANGUAGE)")
    preview.add_argument(
        "--as",
        dest="role",
        choices=("member", "facilitator", "partner"),
        default="member",
        help="whose messages (default: member)",
    )
    preview.add_argument(
        "--couples-weeks",
        help="the group's couples weeks, e.g. 3,6,9,12 (default: none for a men's group "
        "member; every week with an exercise for a partner or a couples curriculum)",
    )
    preview.add_argument("--raw", action="store_true", help="show the HTML as sent")
    preview.add_argument("--locales", help=locales_help)
    preview.set_defaults(func=_cmd("bot.commands.content:preview"))

    stats = cs.add_parser(
        "stats",
        help="translated / fuzzy / missing strings per curriculum and language",
        description="Count, per curriculum and language, the strings translated, fuzzy "
        "(awaiting review or outdated) and missing. English is the source.",
    )
    stats.add_argument(
        "path", nargs="?", help="a curriculum .toml or a folder (default: FOYER_CONTENT_DIR)"
    )
    stats.add_argument("--locales", help=locales_help)
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=_cmd("bot.commands.content:stats"))
    add_audio_parsers(cs, _cmd)


def _cmd(target: str) -> Command:
    """Import the command's module only when it runs."""

    def call(args: argparse.Namespace) -> int:
        import importlib

        module, _, name = target.partition(":")
        func: Command = getattr(importlib.import_module(module), name)
        return func(args)

    return call


def _newcomer(args: argparse.Namespace) -> int:
    """A bare `foyer`: serve Telegram when FOYER_BOT_TOKEN is set, else the offline sandbox."""
    from bot.settings import load_settings

    if load_settings().bot_token:
        args.upgrade = True
        return _cmd("bot.commands.run:run")(args)
    return _cmd("bot.commands.sandbox:run")(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from bot.commands.errors import EXIT_USAGE, CliError
    from bot.settings import SettingsError

    func: Command = getattr(args, "func", None) or _newcomer
    try:
        return int(func(args))
    except (SettingsError, CliError) as exc:
        print(f"foyer: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
