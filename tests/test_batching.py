"""The Batcher (bot/storage/batching.py): concurrent callers share a batch, each gets its own
answer, a failure reaches everyone in its batch, and a lingering batch waits for its fill."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest

from bot.storage.batching import Batcher


class Doubler:
    """A batch function that remembers the batches it was given."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on

    async def __call__(self, requests: Sequence[int]) -> list[int]:
        self.batches.append(list(requests))
        await asyncio.sleep(0.01)  # a commit takes a while; callers arriving meanwhile queue
        if self.fail_on in requests:
            raise ValueError("disk full")
        return [2 * r for r in requests]


async def test_callers_of_one_moment_share_a_batch_and_get_their_own_answers() -> None:
    run = Doubler()
    batcher = Batcher(run, "test")
    assert await asyncio.gather(*(batcher(i) for i in range(5))) == [0, 2, 4, 6, 8]
    assert run.batches == [[0, 1, 2, 3, 4]]


async def test_a_failure_reaches_its_whole_batch_and_the_next_batch_runs() -> None:
    run = Doubler(fail_on=2)
    batcher = Batcher(run, "test")
    results = await asyncio.gather(*(batcher(i) for i in range(3)), return_exceptions=True)
    assert [type(r) for r in results] == [ValueError] * 3
    assert await batcher(7) == 14


async def test_a_lingering_batch_runs_as_soon_as_it_is_full() -> None:
    run = Doubler()
    batcher = Batcher(run, "test", fill=lambda: 4, linger=30.0)

    async def later(i: int) -> int:
        await asyncio.sleep(0.01 * i)  # each caller in a turn of the loop of its own
        return await batcher(i)

    started = time.monotonic()
    assert await asyncio.gather(*(later(i) for i in range(4))) == [0, 2, 4, 6]
    assert run.batches == [[0, 1, 2, 3]]
    assert time.monotonic() - started < 5  # the fill, not the 30 s linger, ended the wait


async def test_a_lingering_batch_runs_when_the_linger_runs_out() -> None:
    run = Doubler()
    batcher = Batcher(run, "test", fill=lambda: 10, linger=0.05)
    assert await asyncio.gather(*(batcher(i) for i in range(3))) == [0, 2, 4]
    assert run.batches == [[0, 1, 2]]


async def test_fill_is_asked_again_at_each_request() -> None:
    # The sender's fill is min(half its workers, its busy workers): when the busy count falls
    # to what is queued, the batch runs without waiting out the linger.
    run = Doubler()
    busy = [5]
    batcher = Batcher(run, "test", fill=lambda: busy[0], linger=30.0)
    first = asyncio.create_task(batcher(1))
    await asyncio.sleep(0.05)
    assert run.batches == []
    busy[0] = 2
    assert await asyncio.wait_for(asyncio.gather(first, batcher(2)), 5) == [2, 4]
    assert run.batches == [[1, 2]]


@pytest.mark.parametrize("linger", [0.0, 0.05])
async def test_a_cancelled_caller_does_not_stop_the_others(linger: float) -> None:
    run = Doubler()
    batcher = Batcher(run, "test", fill=lambda: 3, linger=linger)
    doomed = asyncio.create_task(batcher(1))
    kept = asyncio.create_task(batcher(2))
    await asyncio.sleep(0)
    doomed.cancel()
    assert await kept == 4
