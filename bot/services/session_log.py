"""The session log: after each meeting, whether it took place and how many came (counts only).
The caller has authorized the person for the group."""

from __future__ import annotations

import logging

from bot.domain.policy import Unavailable
from bot.runtime import Runtime
from bot.services.group_admin import schedule_of
from bot.storage import sessions
from bot.storage.groups import GroupRow

log = logging.getLogger(__name__)

MAX_ATTENDANCE = 500
# More may come than joined (men without phones come too), but past either of these a count is
# asked again, in case of a typing slip.
UNUSUAL_ATTENDANCE = 60
UNUSUAL_TIMES_MEMBERS = 2


def unusual_attendance(attendance: int, members: int) -> bool:
    return attendance > UNUSUAL_ATTENDANCE or attendance > UNUSUAL_TIMES_MEMBERS * members


async def record_session(
    rt: Runtime, g: GroupRow, week: int, *, held: bool, attendance: int | None
) -> None:
    """Unavailable for a week whose meeting is still to come (or past the programme's end) and
    for a count out of range."""
    schedule = await schedule_of(rt, g)
    if schedule is None or not 1 <= week <= schedule.last_meeting_week(rt.clock.now()):
        raise Unavailable
    if attendance is not None and not 0 <= attendance <= MAX_ATTENDANCE:
        raise Unavailable
    async with rt.engine.begin() as conn:
        await sessions.record(
            conn, g.id, week, held=held, attendance=attendance, now=rt.clock.now()
        )
    log.info("group_admin.session_logged group=%s week=%s", g.id, week)
