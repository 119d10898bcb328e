"""Foyer's own forgetting, run by the PTB JobQueue: auto-erase every few minutes, and a daily
retention pass (concerns past their purge date, long-inactive people, stale message ids,
facilitators' broadcast texts: see privacy.retention)."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.runtime import runtime_of
from bot.services import privacy

log = logging.getLogger(__name__)

AUTO_ERASE_EVERY_SECONDS = 300  # a message is erased at most five minutes after its hour
RETENTION_EVERY_SECONDS = 24 * 3600


async def auto_erase_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await privacy.auto_erase(runtime_of(context.application), context.bot)


async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await privacy.retention(runtime_of(context.application))


def schedule(app: Application) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        auto_erase_job, interval=AUTO_ERASE_EVERY_SECONDS, first=60, name="auto_erase"
    )
    app.job_queue.run_repeating(
        retention_job, interval=RETENTION_EVERY_SECONDS, first=300, name="retention"
    )
