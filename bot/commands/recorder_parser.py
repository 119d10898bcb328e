"""The `foyer recorder` parsers (light: the commands import their modules when they run)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


def add_recorder_parsers(sub: argparse._SubParsersAction, cmd: Callable[[str], Command]) -> None:
    parser = sub.add_parser(
        "recorder",
        help="invite, list and revoke recorders of the programme's voice messages",
        description="Recorders record the programme's voice messages in Telegram (/record), "
        "for one or more languages; a second person approves each recording (docs/voice.md).",
    )
    actions = parser.add_subparsers(dest="recorder_command", metavar="ACTION", required=True)
    inv = actions.add_parser(
        "invite",
        help="print a one-time recorder invite link (valid 7 days)",
        description="Print a one-time deep link that makes its opener a recorder of these "
        "languages once they accept the staff code of conduct. It expires in 7 days.",
    )
    inv.add_argument(
        "--language",
        action="append",
        required=True,
        metavar="CODE",
        help="a language they record (en fr es bm); repeat for several",
    )
    inv.add_argument("--json", action="store_true", help="print JSON")
    inv.set_defaults(func=cmd("bot.commands.recorders:invite"))
    lst = actions.add_parser("list", help="list recorders", description="List recorders.")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=cmd("bot.commands.recorders:list_recorders"))
    rev = actions.add_parser(
        "revoke",
        help="end someone's recorder role",
        description="End a recorder's role; the recordings they made stay.",
    )
    rev.add_argument("telegram_id", type=int, help="the recorder's Telegram user id")
    rev.set_defaults(func=cmd("bot.commands.recorders:revoke"))
