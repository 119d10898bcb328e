"""How a member is named to staff. (How staff dialogues wait for a typed answer is in
dialogue.py, the one way every dialogue does.)"""

from __future__ import annotations

from bot.i18n import _
from bot.services.group_admin import MemberEntry


def member_label(m: MemberEntry) -> str:
    """The first name the member chose to show, or "Member 7"."""
    return m.first_name or _("Member {number}").format(number=m.number)
