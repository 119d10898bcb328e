"""foyer status [--json]: is the running Foyer well? Exit 0 healthy, 1 degraded, 2 down.

It reads what the running Foyer wrote (bot/services/vitals.py) and makes no call to Telegram,
so a bad network cannot hang it; a database that does not answer is "down" after
TIMEOUT_SECONDS. Whatever goes wrong is one line and an exit code, never a traceback, and a
SQLite file that is not there is not created.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from bot.services.health import AGES, COUNTS, Health, Level, check, shown_count, span
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import db_lock
from bot.storage.copy import where
from bot.storage.db import make_engine

# A monitor runs this every minute or so; a database slower than this to answer is down to it.
TIMEOUT_SECONDS = 5.0

_AGE_LABELS = {
    "planner_tick_age_seconds": "last planner tick",
    "bot_api_ok_age_seconds": "last answer from Telegram",
    "oldest_pending_age_seconds": "oldest message waiting, due",
}
_COUNT_LABELS = {
    "outbox_pending": "messages due and not sent yet",
    "outbox_failed_24h": "messages failed (due in the last 24 h)",
    "outbox_expired_24h": "messages expired unsent (due in the last 24 h)",
    "outbox_blocked_24h": "messages not sent, bot blocked (due in the last 24 h)",
    "people_blocked_24h": "people who blocked the bot (messages due in the last 24 h)",
}
assert set(_AGE_LABELS) == set(AGES) and set(_COUNT_LABELS) == set(COUNTS)


def status(args: argparse.Namespace) -> int:
    health = evaluate()
    if args.json:
        print(json.dumps(health.as_json(), indent=2))
    else:
        print("\n".join(as_text(health)))
    return int(health.level)


def evaluate() -> Health:
    try:
        s = load_settings()
    except SettingsError as exc:
        return Health(Level.DOWN, f"the settings are wrong: {exc}")
    path = db_lock.database_file(s.database_url)
    if path is not None and not path.exists():  # opening it would create an empty one
        return Health(Level.DOWN, f"no database at {path}")
    try:
        found = asyncio.run(_check(s))
    except Exception as exc:  # a driver not installed, a URL SQLAlchemy refuses...
        found = Health(Level.DOWN, f"the database cannot be checked ({type(exc).__name__})")
    if found.level is Level.DOWN and "migration" not in found.facts:
        # Not reached at all: say which database (without its password).
        return Health(found.level, f"{found.reason}: {where(s.database_url)}", found.facts)
    return found


async def _check(s: Settings) -> Health:
    engine = make_engine(s.database_url)
    try:
        return await asyncio.wait_for(check(engine, s, datetime.now(UTC)), TIMEOUT_SECONDS)
    except TimeoutError:
        return Health(Level.DOWN, f"the database did not answer within {TIMEOUT_SECONDS:g} seconds")
    finally:
        await engine.dispose()


def as_text(health: Health) -> list[str]:
    lines = [f"{health.level.name.lower()}: {health.reason}"]
    facts = health.facts
    if "migration" in facts:
        lines.append(f"database migration: {facts['migration']}")
    for name, label in _AGE_LABELS.items():
        if name in facts:
            age = facts[name]
            none = "none" if name == "oldest_pending_age_seconds" else "never"
            lines.append(f"{label}: {none if age is None else span(age) + ' ago'}")
    for name, label in _COUNT_LABELS.items():
        if name in facts:
            more = (
                " or more"
                if name == "outbox_pending" and facts.get("outbox_pending_capped")
                else ""
            )
            lines.append(f"{label}: {shown_count(health, name)}{more}")
    return lines
