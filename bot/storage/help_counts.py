"""How often the help screen was shown: a counter per day, group and language, never a person
(the programme's safeguarding figures, docs/indicators.md). Concurrent help screens share one
transaction (bot/storage/batching.py), so the help path stays fast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.tables import help_count, membership

NO_GROUP = 0


@dataclass(frozen=True)
class HelpShown:
    day: date  # UTC
    person_id: int | None  # only to find the group; never written
    language: str


async def groups_of(conn: AsyncConnection, person_ids: set[int]) -> dict[int, int]:
    """Each person's group, as a member or partner still taking part (the latest joined, for
    someone in several); people in none are absent."""
    if not person_ids:
        return {}
    rows = await conn.execute(
        select(membership.c.person_id, func.max(membership.c.group_id))
        .where(
            membership.c.person_id.in_(person_ids),
            membership.c.role.in_(("member", "partner")),
            membership.c.status.in_(("active", "paused")),
        )
        .group_by(membership.c.person_id)
    )
    return {int(p): int(g) for p, g in rows}


async def add(conn: AsyncConnection, counts: Counter[tuple[date, int, str]]) -> None:
    """Add to the counters (day, group or NO_GROUP, language), creating those not there."""
    if not counts:
        return
    stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(help_count)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "group_id", "language"],
        set_={"count": help_count.c.count + stmt.excluded["count"]},
    )
    await conn.execute(
        stmt,
        [dict(day=d, group_id=g, language=lang, count=n) for (d, g, lang), n in counts.items()],
    )


async def count_shown(engine: AsyncEngine, shown: Sequence[HelpShown]) -> list[None]:
    """A batch of help screens, counted in one transaction."""
    async with engine.begin() as conn:
        found = await groups_of(conn, {s.person_id for s in shown if s.person_id is not None})
        await add(
            conn,
            Counter(
                (s.day, found.get(s.person_id, NO_GROUP) if s.person_id else NO_GROUP, s.language)
                for s in shown
            ),
        )
    return [None] * len(shown)
