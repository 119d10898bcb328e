"""One person cannot delay everybody's help: a chat's queue of updates waits outside the shared
slots, a chat at Telegram's per-chat limit is held alone, and each person has a kind rate limit
that costs no database and forgets them once they are quiet. Timing figures belong to the bench;
here the other people's answers must arrive while the flood is still being answered."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.domain.limits import RollingQuota, UpdateBuckets
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.settings import Settings
from tests.conftest import Foyer
from tests.test_safety_help import SAFE_WORD, start_foyer

DEPLOYED_LIMIT = Settings.model_fields["updates_per_minute"].default
FIRST_DELIVERY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SLOW_DOWN_FR = "plus vite que je ne peux les lire"


@pytest.fixture
async def limited(emu: BotAPIEmulator, db_url: str, clock: OffsetClock) -> AsyncIterator[Foyer]:
    """Foyer with the per-person limit a deployment has (the other tests raise it)."""
    async for f in start_foyer(emu, db_url, clock, updates_per_minute=DEPLOYED_LIMIT):
        yield f


@contextmanager
def statements(f: Foyer) -> Iterator[list[str]]:
    """Every SQL statement Foyer runs meanwhile."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    engine = f.rt.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def is_help(message: Any) -> bool:
    return (message.text or "").startswith("Help\n")


async def test_one_chats_queue_does_not_fill_the_shared_slots(limited: Foyer) -> None:
    """300 /help from one person (always answered, so never rate limited) queue behind each
    other, outside PTB's 64 slots: another person's /help is answered long before."""
    f = limited
    flooder, other = f.new_user(), f.new_user()
    f.emu.inject("sendMessage", chat_id=flooder, delay=0.02)  # each answer takes a moment
    for _ in range(300):
        f.emu.send_text(flooder, "/help")
    f.emu.send_text(other, "/help")
    await f.emu.wait_for_message(other, is_help, timeout=30)
    assert len(f.emu.messages(flooder)) < 60  # not after 300 - 64 of the flooder's answers
    f.emu.clear_faults()
    await f.emu.wait_for_messages(flooder, 300, timeout=30)  # every one answered, in turn


async def test_a_flood_of_500_messages_delays_nobody_and_costs_no_database(
    limited: Foyer,
) -> None:
    f = limited
    _gid, code = await f.create_group()
    asker, safe, presser = [await f.join(code) for _ in range(3)]
    await f.advance_to(FIRST_DELIVERY + timedelta(days=3))
    await f.settle()
    checkin = await f.emu.wait_for_message(presser, lambda m: bool(m.reply_markup))
    flooder = f.new_user(language_code="fr")  # a stranger, whose phone is in French
    f.emu.inject(delay=0.1)  # every Bot API call takes 100 ms, as from far away

    with statements(f) as sql:
        for i in range(500):
            f.emu.send_text(flooder, f"spam {i}")
        f.emu.send_text(asker, "/help")
        f.emu.send_text(safe, SAFE_WORD)
        await f.press(presser, checkin, "Done")
        # Each is answered while the flooder's few answers still go out, 100 ms apart.
        await f.emu.wait_for_message(asker, is_help, timeout=10)
        assert len(f.emu.messages(flooder)) < DEPLOYED_LIMIT
        await f.emu.wait_for_message(safe, is_help, timeout=10)
        assert len(f.emu.messages(flooder)) < DEPLOYED_LIMIT
        await f.emu.wait_for_edit(presser, checkin.message_id, timeout=10)
        assert len(f.emu.messages(flooder)) < DEPLOYED_LIMIT

        slowed = await f.emu.wait_for_message(
            flooder, lambda m: SLOW_DOWN_FR in (m.text or ""), timeout=20
        )
        await f.emu.wait_idle(quiet=0.3, timeout=20)
    # The first 20 answered as usual, then one kind "slow down" in their language (Telegram's:
    # nothing is looked up); the other 480 dropped unanswered.
    answers = [m.text or "" for m in f.emu.messages(flooder)]
    assert len(answers) == DEPLOYED_LIMIT + 1 and answers[-1] == slowed.text
    assert sum(SLOW_DOWN_FR in a for a in answers) == 1
    # The 480 dropped cost nothing: what the database saw is the 20 answered and the others'.
    assert len(sql) < 100


async def test_a_chat_at_telegrams_per_chat_limit_is_held_alone(foyer: Foyer) -> None:
    f = foyer
    _gid, code = await f.create_group()
    member = await f.join(code)
    flooder = f.new_user()
    f.emu.limit_per_chat(calls=3, seconds=3.0)  # as Telegram: about one a second in a chat
    for i in range(6):
        f.emu.send_text(flooder, f"hello {i}")
    await f.emu.wait_until(
        lambda: [c for c in f.emu.calls("sendMessage") if c.status == 429], 10, "a 429"
    )
    f.emu.send_text(member, "/help")
    await f.emu.wait_for_message(member, is_help, timeout=10)
    # Answered while the flooder's chat still waits out its retry_after, and nobody else does.
    assert f.rt.flood.remaining == 0 and f.rt.flood.remaining_for(flooder) > 0
    assert len(f.emu.messages(flooder)) == 3
    await f.emu.wait_for_messages(flooder, 5, timeout=15)  # the one refused is lost
    assert f.emu.early_calls == 0


# --- the limits themselves --------------------------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_update_buckets_refuse_past_the_allowance_and_forget_the_quiet() -> None:
    t = Ticks()
    buckets = UpdateBuckets(20, 60.0, clock=t, max_people=1000)
    assert [buckets.take("flooder") for _ in range(23)] == [0] * 20 + [1, 2, 3]
    t.now += 3.0  # one more allowed every 3 s, and the flood is still the same flood
    assert [buckets.take("flooder"), buckets.take("flooder")] == [0, 4]
    t.now += 60.0  # quiet for a minute: forgotten, and the next flood is told again
    assert buckets.take("someone else") == 0
    assert len(buckets) == 1
    assert [buckets.take("flooder") for _ in range(21)][-1] == 1
    for n in range(5000):  # however many write, only max_people are remembered
        buckets.take(n)
    assert len(buckets) == 1000


def test_rolling_quota_counts_a_day_and_forgets_the_past() -> None:
    quota = RollingQuota(3, timedelta(days=1), max_people=10)
    t0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for hours in (0, 1, 2):
        assert quota.next_free("a", t0 + timedelta(hours=hours)) is None
        quota.use("a", t0 + timedelta(hours=hours))
    assert quota.next_free("a", t0 + timedelta(hours=3)) == t0 + timedelta(days=1)
    assert quota.next_free("a", t0 + timedelta(days=1)) is None
    quota.use("b", t0 + timedelta(days=2))
    assert len(quota) == 1  # "a" used nothing within a day: forgotten
