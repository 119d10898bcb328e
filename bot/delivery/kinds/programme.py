"""The monthly programme summary (bot/delivery/programme_monthly.py writes the rows): last
month's figures, built when the message is sent, shown as the reader's role allows then."""

from __future__ import annotations

from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.domain.outbox_kinds import OutboxKind
from bot.reports.programme_summary import month_of, monthly_summary
from bot.reports.programme_view import build_apart, last_of_month, sees_of
from bot.runtime import Runtime
from bot.storage.outbox import Claimed


@renderer(OutboxKind.PROGRAMME_SUMMARY)
async def programme_summary(item: Claimed, rt: Runtime) -> Outgoing:
    sees = sees_of(rt.settings, item.chat_id)
    if not sees.anything:
        raise NothingToSend(item.kind)  # no longer an admin or a focal point
    try:
        start = month_of(item.ref or "")
    except ValueError:
        raise NothingToSend(item.kind) from None
    figures = await build_apart(
        rt.settings, rt.curricula, start=start, end=last_of_month(start), sees=sees
    )
    return Outgoing(
        text=monthly_summary(figures, sees, item.ref or ""),
        protect_content=sees.safeguarding,
        programme=False,
    )
