"""The senders at work on a database (one `worker` row each), so claims have owners.

A sender registers at start, says it is alive (``seen_at``, Foyer's clock) with each claim and
every few seconds, and deletes its row on a clean stop. A worker not seen for the lease
(FOYER_WORKER_LEASE_SECONDS) is taken for dead: any live worker deletes its row and gives the
rows it held ``sending`` back to the outbox, in one transaction, so that another worker sends
them. A worker that finds its own row gone (it was cut off from the database for longer than
the lease, and what it held was given back) registers again under a new id.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import outbox as outbox_rows
from bot.storage.tables import outbox, worker


async def register(conn: AsyncConnection, now: datetime) -> int:
    """A new worker row for this process; its id (never one handed out before)."""
    result = await conn.execute(
        insert(worker).values(
            host=socket.gethostname()[:255], pid=os.getpid(), started_at=now, seen_at=now
        )
    )
    (worker_id,) = result.inserted_primary_key or (None,)
    assert isinstance(worker_id, int)
    return worker_id


async def keep(conn: AsyncConnection, worker_id: int, now: datetime) -> int:
    """This worker is alive at ``now``; the id to claim under from now on: the same, or a new
    one when its row was deleted as dead."""
    result = await conn.execute(update(worker).where(worker.c.id == worker_id).values(seen_at=now))
    if result.rowcount:
        return worker_id
    return await register(conn, now)


async def forget(conn: AsyncConnection, worker_id: int) -> None:
    """A clean stop: everything this worker claimed is recorded, so nothing is given back."""
    await conn.execute(delete(worker).where(worker.c.id == worker_id))


async def release_expired(conn: AsyncConnection, me: int, seen_before: datetime) -> int:
    """Workers other than ``me`` not seen since ``seen_before`` are deleted, and the rows held
    ``sending`` by a worker that has no row (those, or one that stopped without finishing)
    go back to pending. Returns how many rows went back.

    The owners are read first and then named in the update: on PostgreSQL a row that another
    worker claimed again meanwhile is read anew by the update (READ COMMITTED) and no longer
    names a dead owner, so it is left alone. A live worker's row exists before its first claim
    commits, so no snapshot can show its claims without its row.
    """
    await conn.execute(delete(worker).where(worker.c.seen_at < seen_before, worker.c.id != me))
    owners = (
        await conn.execute(
            select(outbox.c.claimed_by)
            .distinct()
            .where(
                outbox.c.status == outbox_rows.SENDING,
                ~exists().where(worker.c.id == outbox.c.claimed_by),
            )
        )
    ).scalars()
    found = list(owners)
    if not found:
        return 0
    return await outbox_rows.release_claims(conn, found)
