"""`foyer` on the command line. Heavy imports happen inside each command, so --help is instant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

EXIT_USAGE = 2

Command = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="foyer",
        description="Foyer: weekly programmes for men's groups and couples, over Telegram.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        help="serve the bot on Telegram (needs FOYER_BOT_TOKEN)",
        description="Serve the bot: answer people and deliver the weekly programme.",
    )
    run.add_argument("--upgrade", action="store_true", help="upgrade the database first if needed")
    run.set_defaults(func=_cmd("bot.commands.run:run"))

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser(
        "upgrade",
        help="create or upgrade the database schema",
        description="Create or upgrade the database at FOYER_DATABASE_URL to the latest schema.",
    )
    up.set_defaults(func=_cmd("bot.commands.db:upgrade"))

    _group_parsers(sub)
    return p


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
    create.add_argument("--starts", required=True, help="date of the first meeting, YYYY-MM-DD")
    create.add_argument("--language", default="en", help="the group's main language (en fr es bm)")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(func=_cmd("bot.commands.groups:create"))

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
        "'group create': name, curriculum, timezone, meets, delivers, starts, language. "
        "A bad row stops the import with 'line N: reason' and nothing is created.",
    )
    imp.add_argument("file", help="the CSV file")
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(func=_cmd("bot.commands.groups:import_csv"))


def _cmd(target: str) -> Command:
    """Import the command's module only when it runs."""

    def call(args: argparse.Namespace) -> int:
        import importlib

        module, _, name = target.partition(":")
        func: Command = getattr(importlib.import_module(module), name)
        return func(args)

    return call


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from bot.settings import SettingsError

    try:
        return int(args.func(args))
    except (SettingsError, CliError) as exc:
        print(f"foyer: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
