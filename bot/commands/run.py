"""foyer run: serve the bot on the configured Bot API."""

from __future__ import annotations

import argparse
import logging

from bot.commands.common import curricula, require_current_db, settings
from bot.log_setup import configure_logging
from bot.storage import migrate


def run(args: argparse.Namespace) -> int:
    s = settings()
    s.token_or_raise()
    if args.upgrade:
        migrate.upgrade(s.database_url)
    require_current_db(s)
    configure_logging(logging.INFO)
    from bot.app import build_application

    app = build_application(s, curricula=curricula(s))
    app.run_polling(
        allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"]
    )
    return 0
