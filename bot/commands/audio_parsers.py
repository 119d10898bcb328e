"""The arguments of `foyer content audio list|export|import` (kept out of bot/cli.py, which
imports nothing heavy; the commands themselves are in content_audio.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


def add_audio_parsers(cs: argparse._SubParsersAction, cmd: Callable[[str], Command]) -> None:
    audio = cs.add_parser(
        "audio",
        help="the recordings: coverage, export to files, import from files",
        description="The audio library (docs/voice.md, 'Keeping the recordings').",
    )
    acts = audio.add_subparsers(dest="audio_command", metavar="ACTION", required=True)
    listing = acts.add_parser(
        "list",
        help="per curriculum, language and item: approved, file, pending or missing",
        description="What members can hear, per curriculum x language x item: approved in "
        "the library, a file the curriculum names, a recording pending review, or missing; "
        "then the totals. Reads the database and the curricula; names no one.",
    )
    listing.add_argument("--language", help="only this language (en fr es bm)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd("bot.commands.content_audio:listing"))

    export = acts.add_parser(
        "export",
        help="download every approved recording into DIR (a folder per curriculum)",
        description="Download every approved recording through the Bot API (FOYER_BOT_TOKEN) "
        "into DIR/<curriculum>/<name>.ogg (Foyer's own screens in DIR/foyer/), and print the "
        "lines to add to each curriculum file. A file that cannot be downloaded is one line; "
        "the rest go on, and the exit code is 1.",
    )
    export.add_argument("dir", help="the folder to write into (made if needed)")
    export.add_argument(
        "--force", action="store_true", help="overwrite a file that differs from the recording"
    )
    export.set_defaults(func=cmd("bot.commands.content_audio:export"))

    imp = acts.add_parser(
        "import",
        help="upload an export's files as this bot's approved recordings",
        description="Upload each file of DIR named like an export's (men-groups-12.w3.prompt."
        "bm.ogg, consent.bm.ogg) and record it as an approved recording of this bot: an "
        "export holds approved recordings only. A key that already has an approved recording "
        "of this bot is kept unless --replace. Uploading needs a chat: each file is sent "
        "silently to --chat or the first FOYER_ADMIN_IDS, then deleted.",
    )
    imp.add_argument("dir", help="an export's folder")
    imp.add_argument(
        "--chat", type=int, help="the chat to upload through (default: the first admin's)"
    )
    imp.add_argument(
        "--replace", action="store_true", help="replace approved recordings of the same keys"
    )
    imp.set_defaults(func=cmd("bot.commands.content_audio:import_files"))
