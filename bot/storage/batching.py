"""Coalesce the database work of concurrent callers into one trip (a group commit).

Every SQLAlchemy statement costs far more in Python than SQLite spends running it, and every
trip to the database thread makes the event loop and that thread pass the GIL back and forth
(docs/performance.md). So where many updates or sends do the same small thing at once, each
caller hands its part to a Batcher and waits; the calls that arrive while one batch runs form
the next, and each batch is one transaction. A caller's result is known, committed, before it
goes on: nothing is answered or sent on the strength of a write that has not happened.
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
    def __init__(self, run: BatchFn[In, Out], name: str) -> None:
        self._run = run
        self._name = name
        self._queue: list[tuple[In, asyncio.Future[Out]]] = []
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, request: In) -> Out:
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._task is None or self._task.done():
            # Started as a task, so every caller already scheduled in this turn of the loop
            # queues up before the first batch is taken.
            self._task = asyncio.create_task(self._drain(), name=self._name)
        return await future

    async def _drain(self) -> None:
        while self._queue:
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
