"""Every button Foyer sends: one frozen dataclass per family (base.py says how they work)."""

from bot.domain.buttons import group_actions, member, pages, recording, safety, staff
from bot.domain.buttons.base import Button, families, unpack

__all__ = [
    "Button",
    "families",
    "group_actions",
    "member",
    "pages",
    "recording",
    "safety",
    "staff",
    "unpack",
]
