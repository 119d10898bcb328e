"""Is Foyer well: one answer for `foyer status` and the webhook server's GET /healthz.

Three levels, as a monitor expects them: 0 healthy, 1 degraded (serving, but something needs a
look), 2 down (not serving). ``reason`` is one line, the most serious problem first; ``facts``
are what a monitor may chart. Nothing here names a person, and no count under
FOYER_MIN_COUNT is shown (``suppressed``): the checks read the service's own state and
aggregates only, each a range of an index (bot/storage/service_counts.py).

The marks it reads are written by the running application (bot/services/vitals.py), so a check
makes no call to Telegram and a bad network cannot hang it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.policy import suppress
from bot.settings import Settings
from bot.storage import migrate, service_counts, service_marks
from bot.storage.outbox import BLOCKED, EXPIRED, FAILED

# Down: the planner missed this many ticks (FOYER_TICK_SECONDS each), plus the slack below.
# Nothing is planned then: no weekly prompt, no reminder goes into the outbox. One late tick is
# no alarm (a big fan-out can make a tick long), three are.
PLANNER_LATE_TICKS = 3
# A tick that plans a fan-out to thousands, or waits out a database lock, takes a while.
PLANNER_SLACK = timedelta(minutes=2)
# Degraded: a message due this long ago is still not sent. Telegram carries ~30 messages a
# second, so a fan-out to 30 000 people drains in about 17 minutes: a backlog older than half
# an hour means the sender is stuck, stopped, or held back by Telegram, and people get their
# week late (after FOYER_GRACE_HOURS the message expires unsent).
BACKLOG_LATE = timedelta(minutes=30)
# Degraded: Telegram has not answered Foyer with success for this long. A polling bot hears
# from Telegram every few seconds, and a quiet webhook bot asks it once every few minutes
# (vitals.PROBE_AFTER), so ten minutes of silence is a network, a proxy or a token problem.
BOT_API_SILENT = timedelta(minutes=10)
# Failed, expired and blocked messages, and the people who blocked the bot, are counted over
# this window (by the messages' due time): what a programme officer looks at each day.
RECENT = timedelta(hours=24)


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


# The counts, as facts: a count under min_count is null and named in "suppressed".
COUNTS = (
    "outbox_pending",
    "outbox_failed_24h",
    "outbox_expired_24h",
    "outbox_blocked_24h",
    "people_blocked_24h",
)
# The ages in seconds (null: never happened).
AGES = ("planner_tick_age_seconds", "bot_api_ok_age_seconds", "oldest_pending_age_seconds")


async def check(engine: AsyncEngine, settings: Settings, now: datetime) -> Health:
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
            head = migrate.head_revision()
            if current is None:
                return Health(Level.DOWN, "the database has no Foyer tables yet", {})
            if current != head:
                return Health(
                    Level.DOWN,
                    f"the database is at migration {current}, this Foyer expects {head}",
                    {"migration": current},
                )
            return await _service(conn, settings, now, current)
    except (SQLAlchemyError, OSError) as exc:
        cause = getattr(exc, "orig", None) or exc
        return Health(Level.DOWN, f"the database cannot be reached ({type(cause).__name__})")


async def _service(
    conn: AsyncConnection, settings: Settings, now: datetime, migration: str
) -> Health:
    marks = await service_marks.read_all(conn)
    backlog = await service_counts.backlog(conn, now)
    settled = await service_counts.settled_since(conn, now - RECENT)
    people_blocked = await service_counts.blocked_since(conn, now - RECENT)
    tick = _age(now, marks.get(service_marks.PLANNER_TICK))
    api = _age(now, marks.get(service_marks.BOT_API_OK))
    oldest = _age(now, backlog.oldest_due)

    problems: list[tuple[Level, str]] = []
    every = timedelta(seconds=settings.tick_seconds)
    if tick is None:
        problems.append((Level.DOWN, "the planner has never ticked: is 'foyer run' running?"))
    elif tick > PLANNER_LATE_TICKS * every + PLANNER_SLACK:
        problems.append(
            (
                Level.DOWN,
                f"the planner last ticked {_span(tick)} ago (every {_span(every)} expected): "
                "nothing new is planned; is 'foyer run' running?",
            )
        )
    if oldest is not None and oldest > BACKLOG_LATE:
        problems.append((Level.DEGRADED, f"the oldest pending message is {_span(oldest)} late"))
    if api is None:
        problems.append((Level.DEGRADED, "Telegram has never answered this Foyer"))
    elif api > BOT_API_SILENT:
        problems.append((Level.DEGRADED, f"Telegram last answered {_span(api)} ago"))
    problems.sort(key=lambda p: -p[0])  # stable: the most serious first, then as found

    counts = {
        "outbox_pending": backlog.count,
        "outbox_failed_24h": settled[FAILED],
        "outbox_expired_24h": settled[EXPIRED],
        "outbox_blocked_24h": settled[BLOCKED],
        "people_blocked_24h": people_blocked,
    }
    # Zero is hidden too, as in group reports (bot/domain/policy.suppress): on a small
    # deployment a count of messages is a count of people ("1 blocked" is one man).
    hidden = [name for name, n in counts.items() if n < settings.min_count]
    facts: dict[str, Any] = {
        "migration": migration,
        "planner_tick_age_seconds": _seconds(tick),
        "bot_api_ok_age_seconds": _seconds(api),
        "oldest_pending_age_seconds": _seconds(oldest),
        **{name: None if name in hidden else n for name, n in counts.items()},
        # At least BACKLOG_CAP: counting further would cost more than it tells.
        "outbox_pending_capped": backlog.capped,
        "suppressed": hidden,
        "min_count": settings.min_count,
    }
    if not problems:
        return Health(Level.HEALTHY, "ok", facts)
    return Health(problems[0][0], "; ".join(text for _, text in problems), facts)


def shown_count(health: Health, name: str) -> str:
    """A count as text: the number, or "<N" when suppressed."""
    if name in health.facts.get("suppressed", ()):
        return suppress(0, int(health.facts["min_count"]))
    return str(health.facts[name])


def _age(now: datetime, at: datetime | None) -> timedelta | None:
    # A mark a moment ahead (another machine's clock) is no age at all.
    return None if at is None else max(now - at, timedelta(0))


def _seconds(age: timedelta | None) -> float | None:
    return None if age is None else round(age.total_seconds(), 1)


def span(seconds: float) -> str:
    """A duration as an operator reads it: 45 s, 12 min, 3 h 5 min, 2 d 4 h."""
    s = int(seconds)
    if s < 120:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 3 * 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min"
    d, h = divmod(s // 3600, 24)
    return f"{d} d {h} h"


def _span(age: timedelta) -> str:
    return span(age.total_seconds())
