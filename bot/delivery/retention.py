"""When Foyer's own forgetting runs, by the PTB JobQueue: auto-erase every few minutes, and a
daily retention pass (concerns past their purge date, long-inactive people, stale message ids,
facilitators' broadcast texts). What each does is bot/services/privacy.py's: the application
passes it in, so delivery never reaches up into services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot.runtime import Runtime, runtime_of
from bot.storage import advisory

AUTO_ERASE_EVERY_SECONDS = 300  # a message is erased at most five minutes after its hour
RETENTION_EVERY_SECONDS = 24 * 3600


def schedule(
    app: Application,
    *,
    erase: Callable[[Runtime, Bot], Awaitable[Any]],
    retain: Callable[[Runtime], Awaitable[Any]],
) -> None:
    # Every worker on a shared database schedules them; the one that finds another running
    # the job skips that run (bot/storage/advisory.py).
    async def auto_erase_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        rt = runtime_of(context.application)
        async with advisory.once(rt.engine, advisory.Lock.AUTO_ERASE) as mine:
            if mine:
                await erase(rt, context.bot)

    async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        rt = runtime_of(context.application)
        async with advisory.once(rt.engine, advisory.Lock.RETENTION) as mine:
            if mine:
                await retain(rt)

    assert app.job_queue is not None
    app.job_queue.run_repeating(
        auto_erase_job, interval=AUTO_ERASE_EVERY_SECONDS, first=60, name="auto_erase"
    )
    app.job_queue.run_repeating(
        retention_job, interval=RETENTION_EVERY_SECONDS, first=300, name="retention"
    )
