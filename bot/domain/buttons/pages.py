"""Previous / Next in a long list: pg:<list>:<page>[:<group>], the page counted from 0.

One family per list, each naming its letter on the wire (LIST); a list of one group's people
carries the group too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self, cast

from bot.domain.buttons.base import Button, joined
from bot.domain.buttons.group_actions import Coded, OfGroup
from bot.domain.buttons.staff import PickLetter

_PAGE = r"(\d{1,4})"


@dataclass(frozen=True)
class ListPage(Coded, abstract=True):
    page: int
    LIST: ClassVar[str]

    @classmethod
    def wire_pattern(cls) -> str:
        return rf"pg:{cls.LIST}:{_PAGE}"

    def pack(self) -> str:
        return joined("pg", self.LIST, self.page)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]))


@dataclass(frozen=True)
class GroupListPage(OfGroup, Coded, abstract=True):
    page: int
    LIST: ClassVar[str]

    @classmethod
    def wire_pattern(cls) -> str:
        return rf"pg:{cls.LIST}:{_PAGE}:(\d{{1,9}})"

    def pack(self) -> str:
        return joined("pg", self.LIST, self.page, self.group_id)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[2]), int(m[1]))


class GroupsPage(ListPage):
    """/groups."""

    LIST = "g"


class InvitationGroupsPage(ListPage):
    """/partnerinvite: the group."""

    LIST = "s"


class FacilitatorGroupsPage(ListPage):
    """/newfacilitator: the group."""

    LIST = "f"


class StaffFacilitatorsPage(ListPage):
    """/staff: the active facilitators."""

    LIST = "a"


class StaffRecordersPage(ListPage):
    """/staff: the active recorders."""

    LIST = "c"


class MembersPage(GroupListPage):
    """A group's members, from its menu."""

    LIST = "m"


class PartnerPickPage(GroupListPage):
    """Whose partner to invite, from the group menu."""

    LIST = "i"


class InvitationMembersPage(GroupListPage):
    """/partnerinvite: the member."""

    LIST = "t"


@dataclass(frozen=True)
class PickPage(Button):
    """The group to choose for /broadcast (b), /remind (r), /report (p), /export (e)."""

    purpose: PickLetter
    page: int

    PATTERN = re.compile(rf"pg:([brpe]):{_PAGE}")

    def pack(self) -> str:
        return joined("pg", self.purpose, self.page)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> PickPage:
        return cls(cast(PickLetter, m[1]), int(m[2]))
