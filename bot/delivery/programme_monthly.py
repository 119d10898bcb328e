"""The monthly programme summary's job: on the first day of each month, one outbox row per
admin and safeguarding focal point (the key ``programme:<month>:p<Telegram id>``, so a second
run, a restart or a second worker writes nothing more). What it says is rendered when it is
sent, in the reader's language then (bot/delivery/kinds/programme.py).

The day is read in UTC: Foyer keeps no timezone for an admin, and the month summarised is a
calendar month as /programme counts it. Rows are written from SEND_FROM on the first, so the
summary arrives in the morning in West Africa (UTC and UTC+1), not in the night.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy.exc import DBAPIError
from telegram.ext import Application, ContextTypes

from bot.domain.indicators import period_of
from bot.domain.outbox_kinds import OutboxKind
from bot.runtime import Runtime, runtime_of
from bot.storage import outbox, people

log = logging.getLogger(__name__)

SEND_FROM = time(8, 0)  # UTC, on the first day of the month
EVERY_SECONDS = 3600  # hourly: a bot started late on the first still writes it that day


def summary_month(now: datetime) -> str | None:
    """The month to summarise at ``now`` (UTC): the previous one, on the first day of a month
    from SEND_FROM; None on any other day or hour."""
    if now.day != 1 or now.time() < SEND_FROM:
        return None
    return period_of(now.date() - timedelta(days=1), "month")


def key(period: str, telegram_id: int) -> str:
    return f"programme:{period}:p{telegram_id}"


async def write_due(rt: Runtime) -> int:
    """The rows due now that are not written yet; how many were written."""
    now = rt.clock.now()
    period = summary_month(now)
    if period is None:
        return 0
    written = 0
    async with rt.engine.begin() as conn:
        for telegram_id in sorted(rt.settings.admin_ids | rt.settings.safeguarding_ids):
            # Someone who never opened Foyer has no row: their summary goes out in the default
            # language and fails as any chat the bot cannot write to (the sender records it).
            person = await people.by_telegram_id(conn, telegram_id)
            written += await outbox.enqueue(
                conn,
                key=key(period, telegram_id),
                chat_id=telegram_id,
                kind=OutboxKind.PROGRAMME_SUMMARY,
                due_at=now,
                person_id=person.id if person else None,
                ref=period,
            )
    if written:
        rt.wake_sender()
        log.info("programme.summaries_written month=%s rows=%s", period, written)
    return written


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await write_due(runtime_of(context.application))
    except (DBAPIError, OSError) as exc:  # the database away: the next hour writes them
        log.warning("programme.summaries_failed error=%s", type(exc).__name__)


def schedule(app: Application) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(_job, interval=EVERY_SECONDS, first=120, name="programme_monthly")
