"""Make a synthetic database: G groups of M enrolled members each, written in bulk.

    python -m bench.seed --db /tmp/foyer-bench.db --groups 1000 --members 50
    python -m bench.seed --db postgresql+asyncpg://postgres@HOST:PORT/EMPTY_DB ...

Every group meets Thursday 17:00 in Africa/Bamako from FIRST_MEETING and delivers Friday 09:00,
so week 1's prompt is due at WEEK1_DUE for everyone at once.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.common import database_url
from bot.domain.schedule import GroupSchedule
from bot.storage import migrate
from bot.storage.db import make_engine
from bot.storage.sql import catch_up_ids
from bot.storage.tables import group, membership, outbox, person

FIRST_MEETING = date(2026, 12, 3)
WEEK1_DUE = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CREATED_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FIRST_USER_ID = 10_000_000
LANGUAGES = ("en", "fr", "es", "bm")  # member i speaks LANGUAGES[i % 4]


def schedule(weeks: int = 12) -> GroupSchedule:
    return GroupSchedule(
        timezone="Africa/Bamako",
        meet_weekday=3,
        meet_time=time(17, 0),
        deliver_weekday=4,
        deliver_time=time(9, 0),
        starts=FIRST_MEETING,
        weeks=weeks,
    )


def user_ids(groups: int, members: int) -> range:
    return range(FIRST_USER_ID, FIRST_USER_ID + groups * members)


async def seed(
    url: str,
    groups: int,
    members: int,
    curriculum: str = "men-groups-12",
    *,
    sent_checkins: int = 0,
    due_groups: int | None = None,
) -> None:
    """Seed the database. ``sent_checkins``: record week 1's check-in as already sent to the
    first N members (so pressing its buttons counts). ``due_groups``: only the first K groups
    have week 1 due at WEEK1_DUE; the others start a week later."""
    migrate.upgrade(url)
    engine = make_engine(url)
    s = schedule()
    later = replace(s, starts=s.starts + timedelta(days=7))
    due = groups if due_groups is None else due_groups
    total = groups * members
    group_rows = (
        dict(
            id=g + 1,
            name=f"Group {g + 1}",
            curriculum_id=curriculum,
            language="en",
            timezone=s.timezone,
            meet_weekday=s.meet_weekday,
            meet_time="17:00",
            deliver_weekday=s.deliver_weekday,
            deliver_time="09:00",
            starts_on=(s if g < due else later).starts,
            checkin_after_days=3,
            postponed_weeks="",
            paused=False,
            created_at=CREATED_AT,
            planned_until=CREATED_AT,
            next_event_at=(s if g < due else later).next_event_at(CREATED_AT),
        )
        for g in range(groups)
    )
    people = (
        dict(
            id=i + 1,
            telegram_id=FIRST_USER_ID + i,
            language=LANGUAGES[i % len(LANGUAGES)],
            discreet=False,
            silent=False,
            blocked=False,
            created_at=CREATED_AT,
        )
        for i in range(total)
    )
    memberships = (
        dict(
            id=i + 1,
            person_id=i + 1,
            group_id=i // members + 1,
            role="member",
            status="active",
            progress_opt_in=True,
            number=i % members + 1,
            joined_at=CREATED_AT,
        )
        for i in range(total)
    )
    checkins = (
        dict(
            key=f"g{i // members + 1}:w1:checkin:m{i + 1}",
            chat_id=FIRST_USER_ID + i,
            person_id=i + 1,
            membership_id=i + 1,
            group_id=i // members + 1,
            kind="checkin",
            week=1,
            due_at=WEEK1_DUE,
            status="sent",
            attempts=1,
            sent_at=WEEK1_DUE,
        )
        for i in range(min(sent_checkins, total))
    )
    async with engine.begin() as conn:
        for table, rows in (
            (group, group_rows),
            (person, people),
            (membership, memberships),
            (outbox, checkins),
        ):
            await write_rows(conn, table, rows)
        await catch_up_ids(conn, group, person, membership, outbox)
    await engine.dispose()


CHUNK = 50_000  # rows a statement (SQLite) or a COPY (PostgreSQL), so a million fit in memory


async def write_rows(conn: AsyncConnection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Rows in bulk: PostgreSQL through asyncpg's COPY (a million rows in seconds, not one
    INSERT each), SQLite through one multi-row executemany a chunk."""
    postgres = conn.dialect.name == "postgresql"
    raw = (await conn.get_raw_connection()).driver_connection if postgres else None
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        if raw is None:
            await conn.execute(insert(table), chunk)
            continue
        # COPY skips SQLAlchemy's column defaults (silent, reminder_24h...): given here.
        defaults = {
            c.name: c.default.arg  # type: ignore[attr-defined]
            for c in table.columns
            if c.default is not None and c.default.is_scalar and c.name not in chunk[0]
        }
        columns = [*chunk[0], *defaults]
        await raw.copy_records_to_table(
            table.name,
            columns=columns,
            records=[_naive(r | defaults, columns) for r in chunk],
        )


def _naive(row: dict[str, Any], columns: list[str]) -> tuple[Any, ...]:
    """COPY bypasses SQLAlchemy's types: UTCDateTime's naive UTC, written by hand."""
    return tuple(
        v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v
        for v in (row[c] for c in columns)
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", required=True, help="SQLite file to create, or an empty database's URL")
    p.add_argument("--groups", type=int, default=1000)
    p.add_argument("--members", type=int, default=50)
    p.add_argument("--sent-checkins", type=int, default=0, help="week-1 check-ins already sent")
    p.add_argument("--due-groups", type=int, help="only this many groups have week 1 due")
    args = p.parse_args()
    asyncio.run(
        seed(
            database_url(args.db),
            args.groups,
            args.members,
            sent_checkins=args.sent_checkins,
            due_groups=args.due_groups,
        )
    )


if __name__ == "__main__":
    main()
