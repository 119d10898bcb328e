"""What every button family shares: packing into Telegram's 64-byte callback_data, and one
strict unpacking that answers None for anything forged, truncated or from an older version.

A family is a frozen dataclass that subclasses `Button`, gives the PATTERN its data matches
whole, and writes `pack()` and `from_match()`. A family is registered when its class is made,
so the router (bot/handlers/routing.py) finds it from the data alone: no table of routes is
ever written by hand. The data on the wire is what earlier versions sent, so the buttons
already in people's chats (last week's check-in) keep working after an upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from bot.domain.languages import SUPPORTED_LANGUAGES

MAX_BYTES = 64  # Telegram's limit on callback_data
LANG = "|".join(SUPPORTED_LANGUAGES)
CODE = r"[A-Za-z0-9_-]{1,32}"  # an invite code, as invites are made

_FAMILIES: list[type[Button]] = []


class Button:
    PATTERN: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, abstract: bool = False, **kwargs: object) -> None:
        # abstract=True: a base that families share (no PATTERN of its own), never routed to.
        super().__init_subclass__(**kwargs)
        if not abstract:
            _FAMILIES.append(cls)

    def pack(self) -> str:
        raise NotImplementedError

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self | None:
        """The button, or None when the parts match but do not make sense together."""
        raise NotImplementedError

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        m = cls.PATTERN.fullmatch(data)
        return cls.from_match(m) if m else None


def unpack(data: str | None) -> Button | None:
    """The button this data stands for, or None: what is not a button we made is stale."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    for family in _FAMILIES:
        if (m := family.PATTERN.fullmatch(data)) is not None:
            return family.from_match(m)
    return None


def families() -> list[type[Button]]:
    return list(_FAMILIES)


@dataclass(frozen=True)
class YesNo(Button, abstract=True):
    """The shape of a Yes/No question's two buttons, <PREFIX>:<y|n>, shared by its families."""

    yes: bool

    PREFIX: ClassVar[str]

    def pack(self) -> str:
        return joined(self.PREFIX, "y" if self.yes else "n")

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(m[1] == "y")


def joined(*parts: object) -> str:
    """Parts joined by colons, as every family packs, within Telegram's limit."""
    data = ":".join(str(p) for p in parts)
    assert len(data.encode()) <= MAX_BYTES, data
    return data


def flag(value: bool) -> str:
    return "1" if value else "0"
