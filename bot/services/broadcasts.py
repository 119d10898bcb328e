"""A facilitator's broadcast (text, photo, voice, audio) or one-off reminder to the group.

A draft is stored first, shown back as a preview, and only a confirmation fans it out through
the outbox (rate limits, retries and de-duplication as for the weekly programme).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.outbox_kinds import OutboxKind
from bot.domain.policy import Unavailable
from bot.runtime import Runtime
from bot.services.facilitation import authorize, person_id_of
from bot.services.staff_access import Facilitating
from bot.storage import broadcasts, groups, outbox
from bot.storage.broadcasts import BroadcastRow
from bot.storage.tables import broadcast as broadcast_table

log = logging.getLogger(__name__)

TEXT_LIMIT = 3500  # leaves room for the heading within Telegram's 4096
CAPTION_LIMIT = 900  # Telegram's caption limit is 1024


async def draft(
    rt: Runtime,
    by: Facilitating,
    *,
    kind: str,
    text: str | None,
    file_id: str | None,
    send_at: datetime | None = None,
) -> BroadcastRow:
    group_id = by.group.id
    author = await person_id_of(rt, by.telegram_id)
    assert author is not None
    async with rt.engine.begin() as conn:
        bid = await broadcasts.create(
            conn,
            group_id=group_id,
            author_id=author,
            kind=kind,
            text=text,
            file_id=file_id,
            send_at=send_at,
            now=rt.clock.now(),
        )
        row = await broadcasts.get(conn, bid)
    assert row is not None
    log.info("broadcasts.draft broadcast=%s group=%s kind=%s", bid, group_id, kind)
    return row


async def _own_draft(rt: Runtime, telegram_id: int, broadcast_id: int) -> BroadcastRow:
    """The broadcast, if this person wrote it and still facilitates its group; Unavailable
    otherwise, the same whether it exists or not (a draft's button is the only way in, and its
    id tells nothing about whose it is)."""
    async with rt.engine.connect() as conn:
        row = await broadcasts.get(conn, broadcast_id)
    if row is None or await authorize(rt, telegram_id, row.group_id) is None:
        raise Unavailable
    if row.author_id != await person_id_of(rt, telegram_id):
        raise Unavailable
    return row


async def confirm(rt: Runtime, telegram_id: int, broadcast_id: int) -> tuple[BroadcastRow, int]:
    """Send it: one outbox row per member. A second tap finds it confirmed and sends nothing
    (Unavailable)."""
    row = await _own_draft(rt, telegram_id, broadcast_id)
    now = rt.clock.now()
    due = row.send_at or now
    async with rt.engine.begin() as conn:
        if not await broadcasts.confirm(conn, broadcast_id, now):
            raise Unavailable
        kind = OutboxKind.REMIND if row.kind == "reminder" else OutboxKind.BROADCAST
        n = await broadcasts.fan_out(
            conn, broadcast_id=broadcast_id, group_id=row.group_id, kind=kind, due_at=due
        )
        if kind == OutboxKind.REMIND:
            g = await groups.get(conn, row.group_id)
            if g is not None and g.chat_id is not None:
                await outbox.enqueue(
                    conn,
                    key=f"b{broadcast_id}:chat",
                    chat_id=g.chat_id,
                    kind=kind,
                    due_at=due,
                    group_id=g.id,
                    ref=str(broadcast_id),
                )
    rt.wake_sender()
    log.info("broadcasts.confirmed broadcast=%s rows=%s", broadcast_id, n)
    return row, n


async def cancel(rt: Runtime, telegram_id: int, broadcast_id: int) -> None:
    """Unavailable once sent, or for someone else's draft."""
    row = await _own_draft(rt, telegram_id, broadcast_id)
    if row.confirmed_at is not None:
        raise Unavailable
    async with rt.engine.begin() as conn:
        await conn.execute(broadcast_table.delete().where(broadcast_table.c.id == broadcast_id))
    log.info("broadcasts.cancelled broadcast=%s", broadcast_id)
