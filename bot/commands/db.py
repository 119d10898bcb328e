"""foyer db ..."""

from __future__ import annotations

import argparse

from bot.commands.common import settings, upgrade_database


def upgrade(args: argparse.Namespace) -> int:
    print(upgrade_database(settings())[1])
    return 0
