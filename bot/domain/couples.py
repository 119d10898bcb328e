"""Couples track rules: which weeks carry a joint exercise, and who receives what.

The rule of the track: information from one partner never reaches the other through Foyer.
Everything here decides only what each person receives for themselves.
"""

from __future__ import annotations

from bot.domain.curriculum import Audience, Curriculum
from bot.domain.outbox_kinds import OutboxKind

# The member's partner receives only the joint exercise and a private check-in.
MEMBER, PARTNER = "member", "partner"
# Around the meetings: the members, who meet (bot/delivery/due.py adds the group chat).
_TO_MEMBERS = (OutboxKind.REMINDER_24H, OutboxKind.REMINDER_1H, OutboxKind.SUMMARY)


def parse_weeks(text: str) -> tuple[int, ...]:
    """'3,6,9,12' -> (3, 6, 9, 12); ValueError on anything else."""
    weeks = tuple(int(p) for p in text.replace(" ", "").split(",") if p)
    if any(w < 1 for w in weeks) or len(set(weeks)) != len(weeks):
        raise ValueError("couples weeks must be distinct week numbers, like 3,6,9,12")
    return tuple(sorted(weeks))


def couples_weeks(cur: Curriculum, configured: str) -> frozenset[int]:
    """Weeks whose joint exercise is sent: every week of a couples curriculum, or the group's
    chosen weeks of a men's curriculum that have a couples exercise."""
    with_exercise = {w.number for w in cur.week if w.couples_exercise is not None}
    if cur.audience is Audience.COUPLES:
        return frozenset(with_exercise)
    try:
        chosen = set(parse_weeks(configured))
    except ValueError:
        return frozenset()
    return frozenset(chosen & with_exercise)


def has_couples_track(cur: Curriculum, configured: str) -> bool:
    return bool(couples_weeks(cur, configured))


def recipients(kind: str, week: int, cur: Curriculum, configured: str) -> tuple[str, ...]:
    """The roles that receive a scheduled item (an empty tuple: nobody)."""
    couples = week in couples_weeks(cur, configured)
    is_couples_curriculum = cur.audience is Audience.COUPLES
    if kind == OutboxKind.PROMPT:
        return (MEMBER, PARTNER) if is_couples_curriculum else (MEMBER,)
    if kind == OutboxKind.CHECKIN:
        # In a couples curriculum both answer the couples check-in instead.
        return () if is_couples_curriculum else (MEMBER,)
    if kind == OutboxKind.COUPLES:
        return (MEMBER, PARTNER) if couples else ()
    if kind == OutboxKind.COUPLES_CHECKIN:
        if not couples:
            return ()
        return (MEMBER, PARTNER) if is_couples_curriculum else (PARTNER,)
    if kind in _TO_MEMBERS:
        return (MEMBER,)
    return ()
