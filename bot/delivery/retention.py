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

AUTO_ERASE_EVERY_SECONDS = 300  # a message is erased at most five minutes after its hour
RETENTION_EVERY_SECONDS = 24 * 3600


def schedule(
    app: Application,
    *,
    erase: Callable[[Runtime, Bot], Awaitable[Any]],
    retain: Callable[[Runtime], Awaitable[Any]],
) -> None:
    async def auto_erase_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await erase(runtime_of(context.application), context.bot)

    async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await retain(runtime_of(context.application))

    assert app.job_queue is not None
    app.job_queue.run_repeating(
        auto_erase_job, interval=AUTO_ERASE_EVERY_SECONDS, first=60, name="auto_erase"
    )
    app.job_queue.run_repeating(
        retention_job, interval=RETENTION_EVERY_SECONDS, first=300, name="retention"
    )
