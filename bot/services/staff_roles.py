"""Who holds a staff role now, and an admin ending one (/staff in Telegram).

Ending a role is the same revocation as `foyer facilitator revoke` and `foyer recorder revoke`
(bot/services/facilitation.py, bot/services/recorders.py): one place for what it does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime import Runtime
from bot.services import facilitation, recorders
from bot.storage import staff
from bot.storage.staff import FACILITATOR, RECORDER, StaffRow


@dataclass(frozen=True)
class ActiveFacilitator:
    row: StaffRow
    groups: list[str]  # the names of the groups they facilitate, in group order


def since(row: StaffRow) -> int:
    """When the person (last) took the role, in Unix seconds: what a button about them names,
    so a button made before the role ended and was taken again never ends the new one."""
    taken = row.accepted_conduct_at or row.created_at
    return int(taken.timestamp())


async def facilitators(rt: Runtime) -> list[ActiveFacilitator]:
    """The active facilitators, in the order they were first invited, with their groups."""
    async with rt.engine.connect() as conn:
        rows = await staff.list_all(conn, FACILITATOR)
        names = await staff.facilitated_group_names(conn)
    return [ActiveFacilitator(r, names.get(r.person_id, [])) for r in rows if r.active]


async def active_recorders(rt: Runtime) -> list[StaffRow]:
    """The active recorders, in the order they were first invited (each with his languages)."""
    return [r for r in await recorders.list_recorders(rt) if r.active]


async def find(rt: Runtime, role: str, staff_id: int, taken_at: int) -> StaffRow | None:
    """The active role a button names, or None: gone, ended, another role, or taken again
    since the button was made."""
    async with rt.engine.connect() as conn:
        row = await staff.by_id(conn, staff_id)
    if row is None or row.role != role or not row.active or since(row) != taken_at:
        return None
    return row


async def group_names(rt: Runtime, row: StaffRow) -> list[str]:
    if row.role != FACILITATOR:
        return []
    async with rt.engine.connect() as conn:
        return await staff.group_names(conn, row.person_id)


async def end(rt: Runtime, row: StaffRow) -> bool:
    """End this role as the command line does; False when it had ended meanwhile."""
    if row.role == RECORDER:
        return await recorders.revoke(rt, row.telegram_id)
    return await facilitation.revoke(rt, row.telegram_id)
