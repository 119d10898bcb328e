"""Coalesce the database work of concurrent callers into one trip (a group commit).

Every SQLAlchemy statement costs far more in Python than SQLite spends running it, and every
statement is a trip to aiosqlite's database thread (docs/performance.md). So where many updates or
sends do the same small thing at once, each caller hands its part to a Batcher and waits; the
calls that arrive while one batch runs form the next, and each batch is one transaction. A
caller's result is known, committed, before it goes on: nothing is answered or sent on the
strength of a write that has not happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

# Runs a whole batch: one result per request, in the same order.
BatchFn = Callable[[Sequence[In]], Awaitable[Sequence[Out]]]


class Batcher(Generic[In, Out]):
    """``fill`` and ``linger``: a batch waits up to ``linger`` seconds until ``fill()``
    requests are queued before it runs (for callers that keep other work in flight meanwhile;
    ``fill`` is asked again at every request, so it can say when no more can come)."""

    def __init__(
        self,
        run: BatchFn[In, Out],
        name: str,
        *,
        fill: Callable[[], int] = lambda: 1,
        linger: float = 0.0,
    ) -> None:
        self._run = run
        self._name = name
        self._fill = fill
        self._linger = linger
        self._queue: list[tuple[In, asyncio.Future[Out]]] = []
        self._filled: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, request: In) -> Out:
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._filled is not None and not self._filled.done():
            if len(self._queue) >= self._fill():
                self._filled.set_result(None)
        if self._task is None or self._task.done():
            # Started as a task, so every caller already scheduled in this turn of the loop
            # queues up before the first batch is taken.
            self._task = asyncio.create_task(self._drain(), name=self._name)
        return await future

    async def _wait_to_fill(self) -> None:
        if self._linger <= 0 or len(self._queue) >= self._fill():
            return
        self._filled = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(self._filled, self._linger)
        except TimeoutError:
            pass
        finally:
            self._filled = None

    async def _drain(self) -> None:
        while self._queue:
            await self._wait_to_fill()
            batch, self._queue = self._queue, []
            try:
                results = await self._run([request for request, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"{self._name}: {len(results)} results for {len(batch)}")
            except BaseException as exc:  # every waiting caller sees the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    for _, future in self._queue:
                        future.cancel()
                    self._queue = []
                    raise
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
