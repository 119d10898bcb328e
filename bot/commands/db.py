"""foyer db ..."""

from __future__ import annotations

import argparse

from bot.commands.common import settings, upgrade_database
from bot.storage import migrate


def upgrade(args: argparse.Namespace) -> int:
    s = settings()
    upgrade_database(s)
    print(f"database is up to date (revision {migrate.head_revision()})")
    return 0
