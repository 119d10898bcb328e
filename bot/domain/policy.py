"""Who may do what, and how small counts are hidden. Pure: the facts come from the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    MANAGE_FACILITATORS = "manage_facilitators"  # invite, list, revoke: admins only
    CREATE_GROUP = "create_group"  # any active facilitator
    RUN_GROUP = "run_group"  # every per-group action: only that group's facilitators


@dataclass(frozen=True)
class Actor:
    """What is known about the person asking, gathered once per request."""

    is_admin: bool = False
    facilitator: bool = False  # an active facilitator who accepted the code of conduct
    groups: frozenset[int] = field(default_factory=frozenset)  # groups they facilitate


STRANGER = Actor()


class StaffActionError(Exception):
    """Why a staff action did not happen; services raise it, handlers answer it."""


class NotAllowed(StaffActionError):
    """The person may not do this here. Also raised for a group that does not exist, so the
    answer never reveals which groups exist or whose they are."""


class Unavailable(StaffActionError):
    """What the action is about is gone or used up: nothing left to postpone, a member who
    left, a broadcast already sent or cancelled, a week that cannot be logged."""


def may(actor: Actor, action: Action, group_id: int | None = None) -> bool:
    if action is Action.MANAGE_FACILITATORS:
        return actor.is_admin
    if not actor.facilitator:
        return False
    if action is Action.CREATE_GROUP:
        return True
    return group_id is not None and group_id in actor.groups


def suppress(n: int, min_count: int) -> str:
    """A count as shown in group reports: below the threshold (zero included) it reads "<N".

    Zero is hidden too: "nobody answered Not yet" can single people out as surely as "one did".
    """
    return str(n) if n >= min_count else f"<{min_count}"
