"""`foyer status` and the health check: what a monitor and a programme officer read.

Exit 0 healthy, 1 degraded, 2 down, the reason in one line; facts checked against hand counts
of a seeded database; counts under FOYER_MIN_COUNT never shown; a database that cannot be
reached is one line, in a few seconds, with nothing created.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from bot.app import build_application, running, vitals_of
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import runtime_of
from bot.services import health
from bot.services.health import Level
from bot.storage import migrate, service_marks
from bot.storage.db import make_engine
from bot.storage.tables import outbox
from tests.conftest import Foyer, make_settings
from tests.test_settings_and_cli import CURRICULA, foyer


def _env(url: str, **more: str) -> dict[str, str]:
    return {"FOYER_DATABASE_URL": url, "FOYER_CONTENT_DIR": str(CURRICULA), **more}


async def _status(url: str, *args: str, **more: str) -> Any:
    return await asyncio.to_thread(foyer, "status", *args, env=_env(url, **more))


async def _mark(url: str, **ages: timedelta) -> None:
    """Marks as a running Foyer would have left them ``ages`` ago (planner=, bot_api=)."""
    names = {"planner": service_marks.PLANNER_TICK, "bot_api": service_marks.BOT_API_OK}
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for key, age in ages.items():
                await service_marks.write(conn, names[key], datetime.now(UTC) - age)
    finally:
        await engine.dispose()


async def test_a_running_bot_is_healthy(emu: BotAPIEmulator, db_url: str) -> None:
    # Foyer's own clock (no offset): `foyer status` compares the marks with the real time.
    clock = OffsetClock(datetime.now(UTC))
    app = build_application(make_settings(emu, db_url), clock=clock)
    async with running(app, poll_timeout=1):
        rt = runtime_of(app)
        deadline = time.monotonic() + 10
        while True:  # the first planner tick comes 2 s after start, the marks job after 1 s
            async with rt.engine.connect() as conn:
                marks = await service_marks.read_all(conn)
            if len(marks) == 2:
                break
            assert time.monotonic() < deadline, marks
            await asyncio.sleep(0.1)
        result = await _status(db_url)
        shown = await _status(db_url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "healthy: ok"
    assert f"database migration: {migrate.head_revision()}" in lines
    assert any(line.startswith("last planner tick: ") and " s ago" in line for line in lines)
    assert "oldest message waiting, due: none" in lines
    assert result.stderr == ""
    facts = json.loads(shown.stdout)
    assert shown.returncode == 0 and facts["status"] == "healthy" and facts["reason"] == "ok"
    assert 0 <= facts["planner_tick_age_seconds"] < 60
    assert 0 <= facts["bot_api_ok_age_seconds"] < 60


async def test_a_bot_never_run_is_down(db_url: str) -> None:
    result = await _status(db_url)
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == (
        "down: the planner has never ticked: is 'foyer run' running?; "
        "Telegram has never answered this Foyer"
    )


async def test_a_stalled_planner_is_down_whatever_else_is_well(db_url: str) -> None:
    # FOYER_TICK_SECONDS=60: three ticks and the slack are 5 minutes; 6 minutes is stalled.
    await _mark(db_url, planner=timedelta(minutes=6), bot_api=timedelta(seconds=5))
    result = await _status(db_url, FOYER_TICK_SECONDS="60")
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == (
        "down: the planner last ticked 6 min ago (every 60 s expected): nothing new is "
        "planned; is 'foyer run' running?"
    )
    # Two ticks late is no alarm yet.
    await _mark(db_url, planner=timedelta(minutes=2))
    assert (await _status(db_url, FOYER_TICK_SECONDS="60")).returncode == 0


async def test_telegram_silent_for_long_is_degraded(db_url: str) -> None:
    await _mark(db_url, planner=timedelta(seconds=10), bot_api=timedelta(minutes=12))
    result = await _status(db_url)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "degraded: Telegram last answered 12 min ago"


def _row(n: int, status: str, due: datetime, **more: Any) -> dict[str, Any]:
    return {
        "key": f"seed:{status}:{n}:{due.timestamp()}",
        "chat_id": 1000 + n,
        "kind": "prompt",
        "due_at": due,
        "status": status,
        "attempts": 0,
        **more,
    }


async def _seed(url: str, now: datetime) -> None:
    """By hand: 4 messages due and waiting (the oldest 45 minutes late, one being sent), one
    pending for tomorrow; failed 3 recent and 1 old; expired 5 recent; 3 blocked messages
    to 2 people recently and 1 three days ago; sent 6."""
    rows = [
        _row(1, "pending", now - timedelta(minutes=45)),
        _row(2, "pending", now - timedelta(minutes=10)),
        _row(3, "pending", now - timedelta(minutes=1), next_attempt_at=now + timedelta(minutes=1)),
        _row(4, "sending", now - timedelta(minutes=5)),
        _row(5, "pending", now + timedelta(days=1)),
        *(_row(10 + i, "failed", now - timedelta(hours=i + 1)) for i in range(3)),
        _row(20, "failed", now - timedelta(days=2)),
        *(_row(30 + i, "expired", now - timedelta(hours=20)) for i in range(5)),
        *(_row(40 + i, "blocked", now - timedelta(hours=3)) for i in range(2)),
        _row(40, "blocked", now - timedelta(hours=2)),  # a second message to the first of them
        _row(60, "blocked", now - timedelta(days=3)),  # long ago
        *(_row(50 + i, "sent", now - timedelta(hours=1)) for i in range(6)),
    ]
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(outbox), rows)
            await service_marks.write(conn, service_marks.PLANNER_TICK, now - timedelta(seconds=30))
            await service_marks.write(conn, service_marks.BOT_API_OK, now - timedelta(seconds=4))
    finally:
        await engine.dispose()


async def test_each_fact_matches_a_hand_count(db_url: str, emu: BotAPIEmulator) -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    await _seed(db_url, now)
    settings = make_settings(emu, db_url, min_count=3, tick_seconds=60)
    engine = make_engine(db_url)
    try:
        found = await health.check(engine, settings, now)
    finally:
        await engine.dispose()
    assert found.level is Level.DEGRADED
    assert found.reason == "the oldest pending message is 45 min late"
    assert found.http_status == 200
    assert found.as_json() == {
        "status": "degraded",
        "reason": "the oldest pending message is 45 min late",
        "migration": migrate.head_revision(),
        "planner_tick_age_seconds": 30.0,
        "bot_api_ok_age_seconds": 4.0,
        "oldest_pending_age_seconds": 2700.0,
        "outbox_pending": 4,
        "outbox_pending_capped": False,
        "outbox_failed_24h": 3,
        "outbox_expired_24h": 5,
        "outbox_blocked_24h": 3,
        # Under FOYER_MIN_COUNT: two people; never shown.
        "people_blocked_24h": None,
        "suppressed": ["people_blocked_24h"],
        "min_count": 3,
    }
    # With min_count 2 the same two are shown.
    settings = make_settings(emu, db_url, min_count=2, tick_seconds=60)
    engine = make_engine(db_url)
    try:
        shown = (await health.check(engine, settings, now)).as_json()
    finally:
        await engine.dispose()
    assert (shown["outbox_blocked_24h"], shown["people_blocked_24h"], shown["suppressed"]) == (
        3,
        2,
        [],
    )


async def test_a_late_backlog_is_degraded_and_small_counts_read_under_n(db_url: str) -> None:
    now = datetime.now(UTC)
    await _seed(db_url, now)
    result = await _status(db_url, FOYER_MIN_COUNT="3")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "degraded: the oldest pending message is 45 min late"
    assert "people who blocked the bot (messages due in the last 24 h): <3" in lines
    assert "messages not sent, bot blocked (due in the last 24 h): 3" in lines
    assert "messages failed (due in the last 24 h): 3" in lines
    shown = json.loads((await _status(db_url, "--json", FOYER_MIN_COUNT="3")).stdout)
    assert shown["people_blocked_24h"] is None and shown["suppressed"] == ["people_blocked_24h"]


async def test_down_comes_before_degraded_in_the_reason(db_url: str) -> None:
    now = datetime.now(UTC)
    await _seed(db_url, now)
    await _mark(db_url, planner=timedelta(hours=2))
    result = await _status(db_url, FOYER_TICK_SECONDS="60")
    assert result.returncode == 2
    first = result.stdout.splitlines()[0]
    assert first.startswith("down: the planner last ticked 2 h 0 min ago")
    assert first.endswith("; the oldest pending message is 45 min late")


def test_a_missing_sqlite_file_is_down_and_stays_missing(tmp_path: Path) -> None:
    result = foyer("status", env=_env("sqlite+aiosqlite:///foyer.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == f"down: no database at {tmp_path / 'foyer.db'}\n"
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []
    shown = foyer("status", "--json", env=_env("sqlite+aiosqlite:///foyer.db"), cwd=tmp_path)
    assert shown.returncode == 2
    assert json.loads(shown.stdout) == {
        "status": "down",
        "reason": f"no database at {tmp_path / 'foyer.db'}",
    }


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_postgresql_server_that_is_not_there_is_one_line() -> None:
    url = f"postgresql+asyncpg://foyer:secret@127.0.0.1:{_closed_port()}/foyer"
    result = foyer("status", env=_env(url))
    assert result.returncode == 2
    assert result.stdout == (
        "down: the database cannot be reached (ConnectionRefusedError): "
        f"postgresql+asyncpg://foyer:***@127.0.0.1:{url.split(':')[3].split('/')[0]}/foyer\n"
    )
    assert result.stderr == ""


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung server, a black hole)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


def test_a_database_that_never_answers_is_down_within_seconds(silent_server: int) -> None:
    url = f"postgresql+asyncpg://foyer@127.0.0.1:{silent_server}/foyer"
    started = time.monotonic()
    result = foyer("status", env=_env(url))
    took = time.monotonic() - started
    assert result.returncode == 2
    assert result.stdout.startswith("down: the database did not answer within 5 seconds: ")
    assert len(result.stdout.splitlines()) == 1 and result.stderr == ""
    assert took < 15


def test_bad_settings_are_down_in_one_line(tmp_path: Path) -> None:
    result = foyer("status", env=_env("sqlite+aiosqlite:///foyer.db", FOYER_TICK_SECONDS="soon"))
    assert result.returncode == 2
    assert result.stdout.startswith("down: the settings are wrong: FOYER_TICK_SECONDS")
    assert len(result.stdout.splitlines()) == 1 and result.stderr == ""


async def test_a_mark_the_database_refuses_is_one_warning_and_breaks_nothing(
    foyer: Foyer, caplog: pytest.LogCaptureFixture
) -> None:
    async with foyer.rt.engine.begin() as conn:
        await conn.execute(text("DROP TABLE service_mark"))
    marks = vitals_of(foyer.app)
    with caplog.at_level(logging.WARNING, logger="bot.services.vitals"):
        await marks.planner_ticked(0.01)
        await marks.run()
        # A passing fault says nothing (the sender says the database refuses writes).
        assert [r for r in caplog.records if r.name == "bot.services.vitals"] == []
        marks.quiet_failure = timedelta(0)  # as if refused for a while
        for _ in range(3):  # three ticks: one line, the others counted on the next one
            await marks.planner_ticked(0.01)
    said = [r.getMessage() for r in caplog.records if r.name == "bot.services.vitals"]
    assert len(said) == 1, said
    assert said[0].startswith("vitals.mark_failed mark=planner.tick error="), said
    # Replies go on.
    uid = foyer.new_user()
    foyer.emu.send_text(uid, "/help")
    assert (await foyer.last_message(uid)).text


async def test_a_quiet_bot_asks_telegram_so_its_mark_stays_fresh(foyer: Foyer) -> None:
    vitals = vitals_of(foyer.app)
    await vitals.run()
    async with foyer.rt.engine.connect() as conn:
        first = (await service_marks.read_all(conn))[service_marks.BOT_API_OK]
    asked = len(foyer.emu.calls("getMe"))
    foyer.clock.advance(timedelta(minutes=1))
    vitals.probe_after = timedelta(0)  # as if nothing had come from Telegram for a while
    await vitals.run()
    assert len(foyer.emu.calls("getMe")) == asked + 1
    async with foyer.rt.engine.connect() as conn:
        again = (await service_marks.read_all(conn))[service_marks.BOT_API_OK]
    assert again > first
