"""When each person was last seen, written behind the update that saw them.

`last_seen_at` only feeds retention (a person inactive for a year is purged) and the report's
"active" count, both in days. So no update waits for it: the people seen while a write runs
share the next one, a single executemany. A crash loses at most the last moment's touches,
which the person's next message writes again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infra.log_setup import Throttled
from bot.storage.tables import person

log = logging.getLogger(__name__)
_throttled = Throttled(log)

_TOUCH = (
    update(person).where(person.c.id == bindparam("pid")).values(last_seen_at=bindparam("seen"))
)


class SeenRecorder:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: dict[int, datetime] = {}
        self._writer: asyncio.Task[None] | None = None

    def note(self, person_id: int, now: datetime) -> None:
        self._pending[person_id] = now
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="seen.writer")

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            try:
                async with self._engine.begin() as conn:
                    await conn.execute(
                        _TOUCH, [{"pid": pid, "seen": seen} for pid, seen in batch.items()]
                    )
            except Exception as exc:  # a lost touch costs nothing the next message won't rewrite
                # No traceback, once a minute: on a full disk every update would add a page.
                _throttled.warning(
                    "seen.write_failed",
                    "seen.write_failed rows=%s error=%s",
                    len(batch),
                    type(exc).__name__,
                )

    async def flush(self) -> None:
        """Before the engine closes: write what is waiting."""
        if self._writer is not None:
            await self._writer
