"""Waiting until Foyer is done: every update handled, every due message sent, the emulator
quiet; and the next moment anything is scheduled, so time can jump to it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from bot.emulator import BotAPIEmulator
from bot.runtime import Runtime
from bot.sandbox.problem import SandboxProblem
from bot.storage.tables import group, outbox

SETTLE_TIMEOUT = 20.0


async def settle(
    emu: BotAPIEmulator, app: Any, rt: Runtime, timeout: float = SETTLE_TIMEOUT
) -> None:
    """Every update handled, every due outbox row sent, and the emulator quiet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def left() -> float:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise SandboxProblem(f"Foyer did not finish answering within {timeout:.0f} s")
        return remaining

    while True:
        # An update leaves the emulator's queue once the bot asked for the next ones,
        # that is after it was put into the Application's own queue.
        while emu.state.updates.pending_count:
            left()
            await asyncio.sleep(0.01)
        try:
            await asyncio.wait_for(app.update_queue.join(), left())
        except TimeoutError:
            left()
        while await _outbox_due(rt):
            left()
            rt.wake_sender()
            await asyncio.sleep(0.02)
        try:
            await emu.wait_idle(quiet=0.05, timeout=left())
        except AssertionError:
            left()
        if (
            not emu.state.updates.pending_count
            and app.update_queue.empty()
            and not await _outbox_due(rt)
        ):
            return


async def _outbox_due(rt: Runtime) -> bool:
    now = rt.clock.now()
    async with rt.engine.connect() as conn:
        row = (
            await conn.execute(
                select(outbox.c.id)
                .where(
                    or_(
                        outbox.c.status == "sending",
                        and_(
                            outbox.c.status == "pending",
                            outbox.c.due_at <= now,
                            or_(
                                outbox.c.next_attempt_at.is_(None),
                                outbox.c.next_attempt_at <= now,
                            ),
                        ),
                    ),
                )
                .limit(1)
            )
        ).first()
    return row is not None


async def next_stop(rt: Runtime, after: datetime) -> datetime | None:
    """The next moment something is scheduled: a group's event or a message's due time."""
    async with rt.engine.connect() as conn:
        event = (
            await conn.execute(
                select(func.min(group.c.next_event_at)).where(
                    group.c.paused.is_(False), group.c.next_event_at > after
                )
            )
        ).scalar()
        message = (
            await conn.execute(
                select(func.min(outbox.c.due_at)).where(
                    outbox.c.status == "pending", outbox.c.due_at > after
                )
            )
        ).scalar()
    stops = [s for s in (event, message) if s is not None]
    return min(stops) if stops else None
