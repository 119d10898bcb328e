"""Prometheus metrics (FOYER_METRICS_LISTEN): scraped over HTTP from a running Foyer, they
count what the emulator saw, and no label ever carries an id, a name or a text."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, select

from bot.app import build_application, running, vitals_of
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.infra.metrics import KINDS, OTHER_KIND, OUTCOMES
from bot.runtime import runtime_of
from bot.storage.tables import outbox
from tests.conftest import Foyer, make_settings
from tests.test_settings_and_cli import CURRICULA, foyer

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _scrape(port: int) -> Samples:
    def get() -> str:
        with urlopen(f"http://127.0.0.1:{port}/", timeout=5) as res:
            return str(res.read().decode())

    text = await asyncio.to_thread(get)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _sum(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        v
        for (n, lab), v in samples.items()
        if n == name and all(dict(lab).get(k) == want for k, want in labels.items())
    )


@pytest.fixture
def metrics_port() -> int:
    return _free_port()


@pytest.fixture
async def served(
    emu: BotAPIEmulator, db_url: str, clock: OffsetClock, metrics_port: int
) -> AsyncIterator[Foyer]:
    settings = make_settings(emu, db_url, metrics_listen=f"127.0.0.1:{metrics_port}")
    app = build_application(settings, clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
    # Stopped with the app: the port is free again (for a server, as the next Foyer's is:
    # the scrapes' connections may linger in TIME_WAIT).
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", metrics_port))
        s.listen(1)


async def test_the_counters_equal_what_telegram_saw(served: Foyer, metrics_port: int) -> None:
    f = served
    start, ids_before = await _scrape(metrics_port), f.emu.state.updates.last_update_id
    _gid, code = await f.create_group()
    joined = [await f.join(code) for _ in range(4)]
    blocked, failing = joined[0], joined[1]
    f.emu.inject(method="sendMessage", status=403, chat_id=blocked)
    f.emu.inject(method="sendMessage", status=400, chat_id=failing)
    before = await _scrape(metrics_port)
    seen_before = len(f.emu.calls("sendMessage"))
    # Week 1's prompt falls due on Friday 4 December at 09:00 in Bamako (UTC).
    await f.advance_to(datetime(2026, 12, 4, 9, 30, tzinfo=UTC))
    await f.settle()
    after = await _scrape(metrics_port)

    saw = Counter(c.status for c in f.emu.calls("sendMessage")[seen_before:])
    assert saw[403] == 1 and saw[400] == 1 and saw[200] >= 2, saw
    by_outcome = {
        outcome: _sum(after, "foyer_sends_total", outcome=outcome)
        - _sum(before, "foyer_sends_total", outcome=outcome)
        for outcome in OUTCOMES
    }
    assert by_outcome == {"sent": saw[200], "retry": 0, "flood_wait": 0, "failed": 1, "blocked": 1}
    # By kind: what the outbox recorded for the rows tried.
    async with f.rt.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.kind, outbox.c.status).where(
                    outbox.c.status.in_(("sent", "failed", "blocked")),
                    outbox.c.due_at >= datetime(2026, 12, 4, tzinfo=UTC),
                )
            )
        ).all()
    by_kind = Counter(kind for kind, _status in rows)
    assert {
        kind: _sum(after, "foyer_sends_total", kind=kind)
        - _sum(before, "foyer_sends_total", kind=kind)
        for kind in by_kind
    } == by_kind
    calls = sum(saw.values())
    assert (
        _sum(after, "foyer_send_seconds_count") - _sum(before, "foyer_send_seconds_count") == calls
    )
    # Every update the emulator handed out was handled (the joins' messages and presses).
    # (The emulator's update ids start from its clock, so count those it handed out since.)
    handed_out = f.emu.state.updates.last_update_id - ids_before
    handled = _sum(after, "foyer_updates_handled_total") - _sum(
        start, "foyer_updates_handled_total"
    )
    assert handled == handed_out > 0
    _only_known_labels(after)


def _only_known_labels(samples: Samples) -> None:
    allowed = set(KINDS) | {OTHER_KIND} | set(OUTCOMES)
    for name, labels in samples:
        assert name.startswith("foyer_") or name.startswith(("python_", "process_")), name
        for key, value in labels:
            if key == "le":  # a histogram's bucket bound
                continue
            assert key in ("kind", "outcome"), (name, key)
            assert value in allowed, (name, key, value)
            assert not re.fullmatch(r"-?\d+", value), (name, key, value)


async def test_the_backlog_gauge_counts_what_is_due_and_waiting(
    served: Foyer, metrics_port: int
) -> None:
    now = served.clock.now()
    later = now + timedelta(hours=1)
    rows = [
        # Due, but waiting for a retry: the sender leaves them, the backlog counts them.
        {
            "key": f"b{i}",
            "chat_id": 90 + i,
            "kind": "prompt",
            "due_at": now - timedelta(minutes=i + 1),
            "status": "pending",
            "attempts": 1,
            "next_attempt_at": later,
        }
        for i in range(3)
    ] + [
        {
            "key": "future",
            "chat_id": 99,
            "kind": "prompt",
            "due_at": later,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": None,
        },
    ]
    async with served.rt.engine.begin() as conn:
        await conn.execute(insert(outbox), rows)
    await vitals_of(served.app).run()
    assert _sum(await _scrape(metrics_port), "foyer_outbox_backlog") == 3


async def test_planner_ticks_are_timed(served: Foyer, metrics_port: int) -> None:
    deadline = time.monotonic() + 10
    while _sum(await _scrape(metrics_port), "foyer_planner_tick_seconds_count") < 1:
        assert time.monotonic() < deadline, "no planner tick timed"  # the first comes at 2 s
        await asyncio.sleep(0.1)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield int(s.getsockname()[1])


async def test_a_metrics_port_in_use_stops_foyer_run_in_one_line(
    emu: BotAPIEmulator, db_url: str, taken_port: int
) -> None:
    env = {
        "FOYER_DATABASE_URL": db_url,
        "FOYER_CONTENT_DIR": str(CURRICULA),
        "FOYER_BOT_TOKEN": emu.token,
        "FOYER_BOT_API_URL": emu.base_url.removesuffix("/bot"),
        "FOYER_METRICS_LISTEN": f"127.0.0.1:{taken_port}",
    }
    result = await asyncio.to_thread(foyer, "run", env=env)
    assert result.returncode == 2
    assert result.stderr == (
        f"foyer: FOYER_METRICS_LISTEN 127.0.0.1:{taken_port}: Foyer cannot listen there "
        "(Address already in use): choose a free port\n"
    )
    assert emu.calls("getUpdates") == []  # it stopped before serving anyone
