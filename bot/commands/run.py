"""foyer run: serve the bot on the configured Bot API."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.commands.common import (
    curricula,
    require_current_db,
    require_database_file,
    require_writable_db,
    serving_database,
    settings,
    upgrade_database,
)
from bot.commands.errors import CliError
from bot.infra.log_setup import configure_logging, redacted


def run(args: argparse.Namespace) -> int:
    s = settings()
    token = s.token_or_raise()
    if not args.upgrade:
        require_database_file(s)  # before the lock, which would leave a file beside it
    # A SQLite file, held from before the upgrade to the end: a second `foyer run` changes
    # nothing. PostgreSQL is shared by several workers (one polls: bot/infra/leader.py), and
    # their upgrades at once migrate once (bot/storage/migrate.py).
    with serving_database(s.database_url):
        if args.upgrade:
            changed, said = upgrade_database(s)
            if changed:  # a new or upgraded database is worth a line; an unchanged one is not
                print(f"foyer: {said}", file=sys.stderr)
        require_current_db(s)
        require_writable_db(s)
        configure_logging(logging.INFO, token=token)
        from telegram.error import InvalidToken, NetworkError

        from bot.app import PollingConflict, build_application, serve
        from bot.infra.metrics import MetricsUnavailable
        from bot.infra.reach import unreachable
        from bot.infra.webhook_server import WebhookStartError

        app = build_application(s, curricula=curricula(s))
        try:
            serve(app, say=lambda line: print(f"foyer: {redacted(line, token)}", file=sys.stderr))
        except PollingConflict as exc:
            raise CliError(
                f"another program polls Telegram with this bot's token (Telegram answered: "
                f"{exc}): one Foyer polls a bot (workers sharing one database take turns); "
                "stop the other one, or give each its own token"
            ) from None
        except MetricsUnavailable as exc:
            raise CliError(str(exc)) from None
        except WebhookStartError as exc:  # the listen address taken, the URL refused
            raise CliError(redacted(str(exc), token)) from None
        except InvalidToken:
            raise CliError(
                f"the Bot API at {s.bot_api_url} does not accept FOYER_BOT_TOKEN: check the "
                "token (@BotFather) and FOYER_BOT_API_URL"
            ) from None
        except NetworkError as exc:
            # The network lost between getMe and polling (the command menus): one line. Once
            # polling, PTB retries getUpdates itself.
            raise CliError(redacted(unreachable(s.bot_api_url, exc), token)) from None
    return 0
