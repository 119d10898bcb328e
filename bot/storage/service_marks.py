"""When something last happened in the running service, for `foyer status` and /healthz.

One row a name in ``service_mark``: the serving process writes them, another process (or the
webhook server's /healthz) reads them. They hold times only, never a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import upsert
from bot.storage.tables import service_mark

PLANNER_TICK = "planner.tick"  # after each planner tick that ran to its end
BOT_API_OK = "bot_api.ok"  # the last 2xx answer from the Bot API


async def write(conn: AsyncConnection, name: str, at: datetime) -> None:
    """Set the mark (the caller commits)."""
    stmt = upsert(conn, service_mark, ("name",), ("at",))
    await conn.execute(stmt.values(name=name, at=at))


async def read_all(conn: AsyncConnection) -> dict[str, datetime]:
    rows = await conn.execute(select(service_mark.c.name, service_mark.c.at))
    return {name: at for name, at in rows}
