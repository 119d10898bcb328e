"""A facilitator's actions on one group, from its menu: fg:<group>:<code>[:<number>].

One family per action, so adding an action is one family here and one handler: the family
names its wire code (CODE) and, when it carries a number, the number's pattern (ARG);
`GroupButton` builds the data and the PATTERN from them. The codes are what earlier versions
sent, so menus already in facilitators' chats keep working after an upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from bot.domain.buttons.base import Button, families, joined


class Coded(Button, abstract=True):
    """A base whose families differ only by a class attribute (their code on the wire): the
    base says how the code makes the pattern (`wire_pattern`), each family gets its PATTERN."""

    def __init_subclass__(cls, abstract: bool = False, **kwargs: object) -> None:
        if not abstract:
            cls.PATTERN = re.compile(cls.wire_pattern())
        super().__init_subclass__(abstract=abstract, **kwargs)

    @classmethod
    def wire_pattern(cls) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class OfGroup(Button, abstract=True):
    """A staff button about one group: whoever presses it must facilitate that group."""

    group_id: int


@dataclass(frozen=True)
class GroupButton(OfGroup, Coded, abstract=True):
    CODE: ClassVar[str]
    ARG: ClassVar[str | None] = None  # the pattern of the number it carries, if any

    @classmethod
    def wire_pattern(cls) -> str:
        return rf"fg:(\d{{1,9}}):{cls.CODE}" + (f":({cls.ARG})" if cls.ARG else "")

    def number(self) -> int | None:
        return None

    def pack(self) -> str:
        n = self.number()
        return joined("fg", self.group_id, self.CODE, *([] if n is None else [n]))

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self | None:
        return cls(int(m[1]))


@dataclass(frozen=True)
class OfMember(GroupButton, abstract=True):
    """An action on one member of the group (by membership id)."""

    membership_id: int
    ARG = r"\d{1,10}"

    def number(self) -> int:
        return self.membership_id

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]), int(m[2]))


class GroupMenu(GroupButton):
    CODE = "m"


# --- the invite link and the group chat ------------------------------------------------------


class ShowInvite(GroupButton):
    CODE = "i"


class RenewInvite(GroupButton):
    """Asks first: the old link stops working."""

    CODE = "ir"


class RenewInviteConfirmed(GroupButton):
    CODE = "iry"


class StopInvite(GroupButton):
    CODE = "ix"


class StopInviteConfirmed(GroupButton):
    CODE = "ixy"


class LinkGroupChat(GroupButton):
    CODE = "k"


# --- the calendar ------------------------------------------------------------------------------


class Postpone(GroupButton):
    CODE = "p"


class PostponeConfirmed(GroupButton):
    CODE = "py"


class PauseGroup(GroupButton):
    CODE = "z"


class PauseGroupConfirmed(GroupButton):
    CODE = "zy"


class ResumeGroup(GroupButton):
    CODE = "r"


# --- schedule and settings ---------------------------------------------------------------------


class ScheduleMenu(GroupButton):
    CODE = "s"


class AskMeetingTime(GroupButton):
    CODE = "sm"


class AskDeliveryTime(GroupButton):
    CODE = "sd"


class AskRegion(GroupButton):
    CODE = "sr"


# The group settings a facilitator turns on and off, by their place in this tuple on the wire.
TOGGLE_SETTINGS = ("reminder_24h", "reminder_1h", "weekly_summary")
GUIDE_HOURS = (2, 24, 48)  # how long before the meeting the discussion guide comes


@dataclass(frozen=True)
class ToggleSetting(GroupButton):
    setting: str  # one of TOGGLE_SETTINGS
    CODE = "t"
    ARG = "[012]"

    def number(self) -> int:
        return TOGGLE_SETTINGS.index(self.setting)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> ToggleSetting:
        return cls(int(m[1]), TOGGLE_SETTINGS[int(m[2])])


@dataclass(frozen=True)
class GuideHours(GroupButton):
    hours: int  # one of GUIDE_HOURS
    CODE = "gh"
    ARG = r"\d{1,10}"

    def number(self) -> int:
        return self.hours

    @classmethod
    def from_match(cls, m: re.Match[str]) -> GuideHours | None:
        hours = int(m[2])
        return cls(int(m[1]), hours) if hours in GUIDE_HOURS else None


# --- members -----------------------------------------------------------------------------------


class MemberList(GroupButton):
    CODE = "l"


class RemoveMember(OfMember):
    """Asks first: the member gets a neutral message."""

    CODE = "d"


class RemoveMemberConfirmed(OfMember):
    CODE = "dy"


class PartnerPick(GroupButton):
    """Whose partner to invite (couples track)."""

    CODE = "pi"


class PartnerLink(OfMember):
    CODE = "pm"


# --- report and export -------------------------------------------------------------------------


class GroupReport(GroupButton):
    CODE = "rp"


class GroupExport(GroupButton):
    CODE = "ex"


def group_actions() -> list[type[GroupButton]]:
    """Every family of the group menu, in the order they were made."""
    return [f for f in families() if issubclass(f, GroupButton)]


GROUP_ACTIONS = tuple(f.CODE for f in group_actions())  # the wire codes, for the campaigns
