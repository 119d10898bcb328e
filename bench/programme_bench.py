"""`foyer report programme` at programme scale (issue 22, point 7): its time and peak memory.

    python -m bench.programme_bench [--db PATH_OR_URL] [--groups 1000] [--members 50]

Seeds a year of history in bulk (bench/seed.py's way): G groups of M members, starting on
Thursdays spread over 2026, each through its curriculum (men-groups-12, every fifth couples-8
with two partners); every week's message recorded as sent (one in twenty failed), two
check-ins in three answered, meetings logged (one in ten not held), concerns and help shown;
one member in eleven stops and one person in 37 blocks the bot, most on a date `retained`
counts by.
Then runs the report for the year, every indicator (--safeguarding), in a fresh process, and
prints one JSON line: seconds, peak memory (MB: the process's maximum resident size where the
OS reports it, else tracemalloc's peak of Python's allocations), rows seeded. Goal: under 30 s
and 300 MB for 1,000 groups and 50,000 members (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import database_url
from bench.seed import write_rows
from bot.storage import migrate
from bot.storage.db import make_engine
from bot.storage.sql import catch_up_ids
from bot.storage.tables import (
    checkin,
    concern,
    group,
    help_count,
    membership,
    outbox,
    person,
    session_log,
)

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)
FIRST_MEETING = date(2026, 1, 8)  # a Thursday
LANGUAGES = ("fr", "bm", "en", "es")
REGIONS = ("Ségou", "Kayes", "Sikasso", "Mopti", "Koulikoro", "Dakar", "Thiès", "Kaolack")


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _plan(g: int) -> tuple[date, str, int]:
    """A group's first meeting (spread over the year's first 40 weeks), curriculum, weeks."""
    starts = FIRST_MEETING + timedelta(weeks=g % 40)
    return (starts, "couples-8", 8) if g % 5 == 0 else (starts, "men-groups-12", 12)


def _left(pid: int, g: int, every: int) -> datetime | None:
    """When one in ``every`` people stopped (or blocked the bot), some weeks into the group;
    one in five of those before Foyer dated it (None: counted nowhere by `retained`)."""
    if pid % every or pid % (every * 5) == 0:
        return None
    return _at(_plan(g)[0] + timedelta(weeks=pid % 9, days=pid % 5), 15)


class Rows:
    """Every table's rows, made lazily (a million outbox rows never sit in memory at once)."""

    def __init__(self, groups: int, members: int) -> None:
        self.groups, self.members = groups, members
        self.partners = 2

    def group(self) -> Iterator[dict[str, Any]]:
        for g in range(self.groups):
            starts, curriculum, _ = _plan(g)
            region = REGIONS[g % len(REGIONS)]
            yield dict(
                id=g + 1, name=f"Group {g + 1}", curriculum_id=curriculum, language="fr",
                timezone="Africa/Bamako", meet_weekday=3, meet_time="17:00", deliver_weekday=4,
                deliver_time="09:00", starts_on=starts, checkin_after_days=3, postponed_weeks="",
                paused=False, country="SN" if region in REGIONS[5:] else "ML", region=region,
                created_at=_at(starts - timedelta(days=14), 8),
                planned_until=_at(starts + timedelta(weeks=12), 8),
            )  # fmt: skip

    def _people(self) -> Iterator[tuple[int, int, int, bool]]:
        """(person id, group index, number in the group, partner?)"""
        pid = 0
        for g in range(self.groups):
            extra = self.partners if _plan(g)[1] == "couples-8" else 0
            for n in range(self.members + extra):
                pid += 1
                yield pid, g, n, n >= self.members

    def person(self) -> Iterator[dict[str, Any]]:
        for pid, g, _, _ in self._people():
            yield dict(
                id=pid, telegram_id=20_000_000 + pid, language=LANGUAGES[pid % 4],
                discreet=False, silent=False, blocked=pid % 37 == 0,
                blocked_at=_left(pid, g, 37), created_at=_at(_plan(g)[0] - timedelta(days=10), 8),
            )  # fmt: skip

    def membership(self) -> Iterator[dict[str, Any]]:
        for pid, g, n, partner in self._people():
            yield dict(
                id=pid, person_id=pid, group_id=g + 1, role="partner" if partner else "member",
                status="stopped" if pid % 11 == 0 else "active", progress_opt_in=pid % 4 != 0,
                number=n + 1, joined_at=_at(_plan(g)[0] - timedelta(days=pid % 12), 10),
                left_at=_left(pid, g, 11),
            )  # fmt: skip

    def _deliveries(self) -> Iterator[tuple[int, int, int, datetime, bool]]:
        """(person, group, week, when, sent?) for each member's weekly message."""
        for pid, g, _, partner in self._people():
            if partner:
                continue
            starts, _, weeks = _plan(g)
            for w in range(1, weeks + 1):
                yield (
                    pid,
                    g,
                    w,
                    _at(starts + timedelta(weeks=w - 1, days=1), 9),
                    (pid + w) % 20 != 0,
                )

    def outbox(self) -> Iterator[dict[str, Any]]:
        for pid, g, w, when, sent in self._deliveries():
            yield dict(
                key=f"g{g + 1}:w{w}:prompt:m{pid}", chat_id=20_000_000 + pid, person_id=pid,
                membership_id=pid, group_id=g + 1, kind="prompt", week=w, due_at=when,
                status="sent" if sent else "failed", attempts=1,
                sent_at=when if sent else None,
            )  # fmt: skip

    def checkin(self) -> Iterator[dict[str, Any]]:
        for pid, _, w, when, sent in self._deliveries():
            if sent and (pid * w) % 3 != 0:
                yield dict(
                    membership_id=pid, week=w, value=("done", "partly", "notyet")[(pid + w) % 3],
                    answered_at=when + timedelta(days=3, minutes=pid % 600),
                )  # fmt: skip

    def session_log(self) -> Iterator[dict[str, Any]]:
        for g in range(self.groups):
            starts, _, weeks = _plan(g)
            for w in range(1, weeks + 1):
                held = (g + w) % 10 != 0
                people = 8 + (g * w) % 30 if held else None
                yield dict(
                    group_id=g + 1, week=w, held=held, attendance=people,
                    logged_at=_at(starts + timedelta(weeks=w - 1), 19),
                )  # fmt: skip

    def concern(self) -> Iterator[dict[str, Any]]:
        for i in range(self.groups // 2):
            when = _at(YEAR_START + timedelta(days=(i * 7) % 365), 12)
            yield dict(
                reference=f"B-{i}", kind="feedback", about="programme", anonymous=True,
                reporter_id=None, group_id=(i * 13) % self.groups + 1, text="(bench)",
                status="open", created_at=when, purge_after=when + timedelta(days=365),
            )  # fmt: skip

    def help_count(self) -> Iterator[dict[str, Any]]:
        for g in range(self.groups):
            starts, _, weeks = _plan(g)
            for w in range(0, weeks, 2):
                yield dict(
                    day=starts + timedelta(weeks=w, days=2), group_id=g + 1,
                    language=LANGUAGES[(g + w) % 4], count=1 + (g + w) % 3,
                )  # fmt: skip


async def seed(url: str, groups: int, members: int) -> dict[str, int]:
    migrate.upgrade(url)
    engine = make_engine(url)
    rows = Rows(groups, members)
    counted: dict[str, int] = {}
    try:
        async with engine.begin() as conn:
            for table in (group, person, membership, outbox, checkin, session_log, concern,
                          help_count):  # fmt: skip
                counter = _Counting(getattr(rows, table.name)())
                await write_rows(conn, table, counter)
                counted[table.name] = counter.n
            await catch_up_ids(conn, group, person, membership, outbox, checkin, session_log)
    finally:
        await engine.dispose()
    return counted


class _Counting:
    def __init__(self, rows: Any) -> None:
        self.rows, self.n = iter(rows), 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for r in self.rows:
            self.n += 1
            yield r


def measure(url: str, content: str) -> dict[str, Any]:
    """In this (fresh) process: the command's work, timed, and the process's peak memory."""
    import os

    os.environ["FOYER_DATABASE_URL"] = url
    os.environ["FOYER_CONTENT_DIR"] = content
    try:
        import resource
    except ImportError:  # Windows: Python's own allocations instead
        resource = None  # type: ignore[assignment]
        import tracemalloc

        tracemalloc.start()
    from bot.cli import main as foyer

    args = ["report", "programme", "--from", YEAR_START.isoformat(), "--to", YEAR_END.isoformat()]
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        code = foyer([*args, "--safeguarding"])
    seconds = time.perf_counter() - started
    if resource is not None:  # KB on Linux
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        how = "max resident size"
    else:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        how = "tracemalloc peak"
    return {
        "exit": code, "seconds": round(seconds, 1), "peak_mb": round(peak), "memory": how,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file to make, or an empty database's URL")
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    content = str(Path(__file__).resolve().parent.parent / "conversations")
    if args.measure:
        print(json.dumps(measure(args.measure, content)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url(args.db or Path(tmp) / "programme.db")
        started = time.perf_counter()
        counted = asyncio.run(seed(url, args.groups, args.members))
        seeded = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, "-m", "bench.programme_bench", "--measure", url],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if child.returncode != 0:
            sys.exit(child.stderr)
        result = json.loads(child.stdout.splitlines()[-1])
        print(json.dumps({
            "backend": url.split(":", 1)[0], "groups": args.groups,
            "members": args.groups * args.members, "seed_seconds": round(seeded, 1),
            "rows": counted, **result,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
