"""The real stack for tests: Foyer's Application over real HTTP against the Bot API emulator,
with a real SQLite file per test (and, for the modules in POSTGRES_MODULES, a fresh PostgreSQL
database per test too) and an injectable clock."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, or_, select

from bot.app import build_application, running
from bot.delivery import planner
from bot.domain.schedule import GroupSchedule
from bot.domain.symbols import words_of
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.services.group_setup import GroupSpec, create_groups
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.tables import outbox
from tests import postgres_server

TEST_CURRICULA = Path(__file__).parent / "data" / "curricula"
# A Tuesday morning before the test group's first meeting (Thursday 2026-12-03, Bamako).
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

_user_ids = itertools.count(5000)


# Modules whose every test that takes `db_url` (or `foyer`, or `campaign_db_url`) runs on SQLite
# and on PostgreSQL: storage, planner, outbox, sender, retention, privacy, reports, campaigns.
POSTGRES_MODULES = frozenset(
    {
        "test_audio_keys",
        "test_backup",
        "test_backup_fanout",
        "test_batching",
        "test_broadcast_retention",
        "test_campaigns",
        "test_content_audio",
        "test_delivery",
        "test_facilitator_report",
        "test_indicators",
        "test_member_commands",
        "test_outbox_kinds",
        "test_partner_privacy",
        "test_planner_start",
        "test_recording_library",
        "test_programme_exports",
        "test_programme_telegram",
        "test_safety_journey",
        "test_safety_privacy",
        "test_schema_parity",
        "test_sender_faults",
        "test_status",
        "test_voice_choice",
        "test_voice_delivery",
        "test_webhook_dedupe",
    }
)
# Tests there that open the SQLite file itself (sqlite3 beside the bot), so SQLite only.
SQLITE_ONLY = frozenset(
    {
        "test_delivery.py::test_sends_stop_at_the_send_concurrency_while_records_cannot_be_written",
        # PRAGMA query_only: SQLite's way to refuse writes while reads work.
        "test_sender_faults.py::test_nothing_is_sent_while_the_claim_cannot_be_written",
        "test_sender_faults.py::test_sends_whose_records_fail_are_never_repeated_and_wait_for_the_database",
    }
)

# Tests there about what only PostgreSQL does (transactions interleaving), so PostgreSQL only:
# never a skip on SQLite.
POSTGRES_ONLY = frozenset(
    {
        "test_recording_library.py::test_approvals_of_one_key_wait_for_each_other",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" not in metafunc.fixturenames or module not in POSTGRES_MODULES:
        return
    name = f"{module}.py::{metafunc.function.__name__}"
    if name in SQLITE_ONLY:
        return
    backends = ["postgresql"] if name in POSTGRES_ONLY else ["sqlite", "postgresql"]
    metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test runs on: SQLite unless parametrized (POSTGRES_MODULES)."""
    name: str = getattr(request, "param", "sqlite")
    if name == "postgresql" and postgres_server.URL is None:
        message = f"set {postgres_server.URL_VARIABLE} to run the PostgreSQL tests (README)"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs every backend: {message}")  # never a silent skip in CI
        pytest.skip(message)
    return name


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database to copy, made once per run."""
    with postgres_server.migrated_template() as name:
        yield name


@pytest.fixture
def db_url(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "postgresql":
        with postgres_server.fresh_database(request.getfixturevalue("postgres_template")) as url:
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'foyer.db'}"
    migrate.upgrade(url)
    yield url


@pytest.fixture
def campaign_db_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """For a campaign in bench/: "" (it makes a SQLite file of its own), or a fresh PostgreSQL
    database."""
    if backend == "postgresql":
        with postgres_server.fresh_database(request.getfixturevalue("postgres_template")) as url:
            yield url
        return
    yield ""


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


def make_settings(emu: BotAPIEmulator, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bot_token=emu.token,
        database_url=db_url,
        bot_api_url=emu.base_url.removesuffix("/bot"),
        tick_seconds=3600,  # tests tick the planner themselves
        content_dir=TEST_CURRICULA,
        rate_limit=False,
        admin_ids=frozenset(),
        # A test's person acts far faster than anyone can (a join, four weeks of check-ins and
        # a concern in seconds). The per-person limit is tested at its deployed default
        # (tests/test_fairness.py).
        updates_per_minute=6000,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Foyer:
    """A running Foyer with helpers that act as people and as time."""

    app: Any
    rt: Runtime
    emu: BotAPIEmulator
    clock: OffsetClock

    async def tick(self) -> int:
        return await planner.tick(self.rt)

    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        await self.tick()

    async def advance_to(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.tick()

    async def settle(self, timeout: float = 10) -> None:
        """Wait until nothing due is pending in the outbox."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            async with self.rt.engine.connect() as conn:
                pending = (
                    await conn.execute(
                        select(outbox.c.id).where(
                            or_(
                                outbox.c.status == "sending",
                                and_(
                                    outbox.c.status == "pending",
                                    outbox.c.due_at <= self.clock.now(),
                                ),
                            )
                        )
                    )
                ).first()
            if pending is None:
                await asyncio.sleep(0.05)  # let the in-flight record land
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("outbox did not drain")
            self.rt.wake_sender()
            await asyncio.sleep(0.02)

    async def settle_after(self, delta: timedelta) -> None:
        """Let time pass (for retries and backoff), then wait for the outbox to drain."""
        self.clock.advance(delta)
        self.rt.wake_sender()
        await asyncio.sleep(0.1)
        await self.settle()

    async def create_group(
        self,
        *,
        name: str = "Kati Men",
        curriculum: str = "tiny-4",
        timezone: str = "Africa/Bamako",
        starts: date = date(2026, 12, 3),
        meet: tuple[int, time] = (3, time(17, 0)),
        deliver: tuple[int, time] = (4, time(9, 0)),
        language: str = "en",
        couples_weeks: str = "",
    ) -> tuple[int, str]:
        cur = self.rt.curricula[curriculum]
        spec = GroupSpec(
            name=name,
            curriculum_id=curriculum,
            language=language,
            schedule=GroupSchedule(
                timezone=timezone,
                meet_weekday=meet[0],
                meet_time=meet[1],
                deliver_weekday=deliver[0],
                deliver_time=deliver[1],
                starts=starts,
                weeks=cur.weeks,
            ),
            couples_weeks=couples_weeks,
        )
        (created,) = await create_groups(self.rt, [spec])
        return created

    def new_user(self, language_code: str | None = "en", first_name: str = "Amadou") -> int:
        uid = next(_user_ids)
        self.emu.user(uid, first_name=first_name, language_code=language_code)
        return uid

    async def last_message(self, chat_id: int, timeout: float = 5) -> Any:
        """The newest bot message in the chat, waiting for one that arrives after this call."""
        return await self.emu.wait_for_message(chat_id, timeout=timeout)

    async def press(self, user_id: int, message: Any, label_or_data: str) -> None:
        data = button_data(message, label_or_data)
        self.emu.press_button(user_id, message.message_id, data)

    async def join(
        self,
        code: str,
        *,
        user_id: int | None = None,
        language: str = "English",
        opt_in: bool = True,
        show_name: bool = False,
        voice: str = "Read",
    ) -> int:
        """Walk the whole join journey as a person would; returns the user id."""
        uid = user_id if user_id is not None else self.new_user()
        self.emu.send_text(uid, f"/start {code}")
        msg = await self.last_message(uid)
        await self.press(uid, msg, language)
        msg = await self.emu.wait_for_edit(uid, msg.message_id)
        # Read, listen or both in any language: the choice is the data's last letter (r|l|b).
        choice = {row[0][1][-1]: row[0][1] for row in msg_buttons(msg)}
        await self.press(uid, msg, choice[voice.lower()[0]])
        msg = await self.emu.wait_for_edit(uid, msg.message_id)
        await self.press(uid, msg, msg_buttons(msg)[0][0][1])  # yes, I agree
        msg = await self.emu.wait_for_edit(uid, msg.message_id)
        await self.press(uid, msg, msg_buttons(msg)[0 if opt_in else 1][0][1])
        msg = await self.emu.wait_for_edit(uid, msg.message_id)
        await self.press(uid, msg, msg_buttons(msg)[0 if show_name else 1][0][1])
        msg = await self.emu.wait_for_edit(uid, msg.message_id)
        await self.press(uid, msg, msg_buttons(msg)[0][0][1])  # I accept
        await self.emu.wait_for_edit(uid, msg.message_id)
        return uid


def msg_buttons(message: Any) -> list[list[tuple[str, str]]]:
    return [[(b[0], b[1]) for b in row] for row in (message.reply_markup or [])]


def button_data(message: Any, label_or_data: str) -> str:
    """A button's data, found by its data, its label, or its label's words without the symbol
    beside them ("Yes, I agree" finds "✅ Yes, I agree")."""
    for row in msg_buttons(message):
        for label, data in row:
            if label_or_data in (label, data, words_of(label)):
                return data
    raise AssertionError(f"no button {label_or_data!r} in {msg_buttons(message)}")


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock(T0)


@pytest.fixture
def settings_factory(emu: BotAPIEmulator, db_url: str) -> Callable[..., Settings]:
    return lambda **kw: make_settings(emu, db_url, **kw)


@pytest.fixture
async def foyer(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    app = build_application(make_settings(emu, db_url), clock=clock)
    async with running(app, poll_timeout=1):
        yield Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
