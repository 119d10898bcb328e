"""Is Foyer well: one answer for `foyer status` and the webhook server's GET /healthz.

Three levels, as a monitor expects them: 0 healthy, 1 degraded (serving, but something needs a
look), 2 down (not serving). ``reason`` is one line; ``facts`` are what a monitor may chart.
Nothing here names or counts a person: the checks read the service's own state only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from bot.storage import migrate


class Level(IntEnum):
    HEALTHY = 0
    DEGRADED = 1
    DOWN = 2


@dataclass(frozen=True)
class Health:
    level: Level
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        """A degraded Foyer still serves (a load balancer keeps it); a down one does not."""
        return 503 if self.level is Level.DOWN else 200

    def as_json(self) -> dict[str, Any]:
        return {"status": self.level.name.lower(), "reason": self.reason, **self.facts}


async def check(engine: AsyncEngine, settings: Settings, now: datetime) -> Health:
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    except (DBAPIError, OSError) as exc:
        return Health(Level.DOWN, f"the database cannot be reached ({type(exc).__name__})")
    head = migrate.head_revision()
    if current != head:
        return Health(
            Level.DOWN,
            f"the database is at migration {current}, this Foyer expects {head}",
            {"migration": current},
        )
    return Health(Level.HEALTHY, "ok", {"migration": current})
