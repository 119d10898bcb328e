"""foyer content audio list|export|import: the organisation keeps its recordings."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.commands.common import curricula, on_current_db, settings
from bot.commands.errors import CliError
from bot.content.audio_coverage import Coverage, coverage, format_listing
from bot.content.audio_export import Exported, toml_lines
from bot.content.audio_export import export as export_files
from bot.content.audio_import import CannotUpload, Imported, Target, import_folder
from bot.domain.audio import AudioKey
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.infra.log_setup import redacted
from bot.runtime import Runtime
from bot.services.recordings import curriculum_keys, foyer_keys
from bot.settings import Settings
from bot.storage import recordings

EXIT_PROBLEMS = 1


def library_keys(s: Settings) -> tuple[set[AudioKey], set[AudioKey]]:
    """The keys approved in the library, and those pending review (a CliError when the
    database is missing or not current)."""

    async def read(rt: Runtime) -> tuple[set[AudioKey], set[AudioKey]]:
        async with rt.engine.connect() as conn:
            approved = {r.key for r in await recordings.all_approved(conn)}
            return approved, await recordings.pending_keys(conn)

    return on_current_db(read)


def library_coverage(s: Settings, languages: list[str]) -> list[Coverage]:
    """Every key's coverage from the database and the curricula."""
    found = curricula(s)
    approved, pending = library_keys(s)
    return coverage(
        [found[c] for c in found.ids()],
        found.root,
        languages,
        approved=approved,
        pending=pending,
    )


def listing(args: argparse.Namespace) -> int:
    s = settings()
    if args.language is not None and args.language not in SUPPORTED_LANGUAGES:
        raise CliError(f"--language {args.language}: use one of {', '.join(SUPPORTED_LANGUAGES)}")
    rows = library_coverage(s, [args.language] if args.language else list(SUPPORTED_LANGUAGES))
    if args.json:
        print(json.dumps([r.as_json() for r in rows], indent=2))
    else:
        print(format_listing(rows))
    return 0


def _bot_id(s: Settings) -> int:
    """A bot's id is its token's number: a file_id belongs to that bot."""
    return int(s.token_or_raise().partition(":")[0])


@contextlib.asynccontextmanager
async def _bot(s: Settings) -> AsyncIterator[Bot]:
    """The bot's token at work; a refused token or no network is one line."""
    bot = Bot(s.token_or_raise(), base_url=s.bot_api_base_url, base_file_url=s.bot_api_file_url)
    try:
        async with bot:
            yield bot
    except InvalidToken:
        raise CliError(
            f"the Bot API at {s.bot_api_url} does not accept FOYER_BOT_TOKEN (@BotFather)"
        ) from None
    except NetworkError as exc:
        problem = redacted(exc.message, s.bot_token or "")
        raise CliError(f"cannot reach the Bot API at {s.bot_api_url}: {problem}") from None


def export(args: argparse.Namespace) -> int:
    s = settings()
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise CliError(f"{folder} is not a folder")

    async def work(rt: Runtime) -> tuple[int, Exported]:
        async with rt.engine.connect() as conn:
            found = await recordings.all_approved(conn)
        async with _bot(s) as bot:
            return len(found), await export_files(
                bot, found, folder, bot_id=_bot_id(s), force=args.force
            )

    total, done = on_current_db(work)
    for problem in done.problems:
        print(problem, file=sys.stderr)
    for line in toml_lines(done.saved):
        print(line)
    print(
        f"exported {len(done.saved)} of {total} approved recordings into {folder} "
        f"({done.written} written, {done.unchanged} unchanged)",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if done.problems else 0


def _known(s: Settings) -> frozenset[AudioKey]:
    """Every key this deployment could deliver: its curricula's items and Foyer's screens."""
    found = curricula(s)
    keys: list[AudioKey] = []
    for lang in SUPPORTED_LANGUAGES:
        for cur_id in found.ids():
            keys += curriculum_keys(found[cur_id], lang)
        keys += foyer_keys(lang)
    return frozenset(keys)


def import_files(args: argparse.Namespace) -> int:
    s = settings()
    folder = Path(args.dir)
    if not folder.is_dir():
        raise CliError(f"{folder} is not a folder")
    chat = args.chat if args.chat is not None else min(s.admin_ids, default=None)
    if chat is None:
        raise CliError(
            "uploading needs a chat with the bot: set FOYER_ADMIN_IDS (the first admin's chat "
            "is used) or give --chat ID; that chat must have started the bot"
        )
    target = Target(_bot_id(s), chat, _known(s), args.replace)

    async def work(rt: Runtime) -> Imported:
        async with _bot(s) as bot:
            return await import_folder(bot, rt.engine, folder, target, rt.clock.now)

    try:
        done = on_current_db(work)
    except CannotUpload as exc:
        raise CliError(f"stopped: {exc}") from None
    for line in [*done.skipped, *done.problems]:
        print(line, file=sys.stderr)
    for key in done.kept:
        print(f"{key.text()}: kept the approved recording (--replace replaces it)")
    for key in done.imported:
        print(f"{key.text()}: imported")
    for key in done.uploaded_for:
        print(f"{key.text()}: uploaded for this bot (the approved recording kept)")
    print(
        f"imported {len(done.imported) + len(done.uploaded_for)}, kept {len(done.kept)}, "
        f"{len(done.problems)} not imported",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if done.problems else 0
