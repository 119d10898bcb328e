"""foyer db ..."""

from __future__ import annotations

import argparse

from bot.commands.common import settings
from bot.storage import migrate


def upgrade(args: argparse.Namespace) -> int:
    s = settings()
    migrate.upgrade(s.database_url)
    print(f"database is up to date (revision {migrate.head_revision()})")
    return 0
