"""Buttons of facilitators, admins and focal points, other than the group menu's
(group_actions.py): the session log, broadcasts, the choice of a group for a command, reminders,
exports, the /newgroup wizard, invitations, an admin ending a role, and the pages of long lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal, Self, cast

from bot.domain.buttons.base import CODE, Button, joined
from bot.domain.buttons.group_actions import Coded, OfGroup


def _yes_no(value: bool) -> str:
    return "y" if value else "n"


@dataclass(frozen=True)
class SessionHeld(OfGroup):
    """Did this week's meeting take place: sl:<group>:<week>:<y|n>."""

    week: int
    held: bool

    PATTERN = re.compile(r"sl:(\d{1,9}):(\d{1,2}):([yn])")

    def pack(self) -> str:
        return joined("sl", self.group_id, self.week, _yes_no(self.held))

    @classmethod
    def from_match(cls, m: re.Match[str]) -> SessionHeld:
        return cls(int(m[1]), int(m[2]), m[3] == "y")


@dataclass(frozen=True)
class SessionAttendance(OfGroup):
    """How many came: sn:<group>:<week>:<count>[:c], c when the facilitator confirmed that an
    unusual count is right."""

    week: int
    attendance: int
    confirmed: bool = False

    PATTERN = re.compile(r"sn:(\d{1,9}):(\d{1,2}):(\d{1,3})(:c)?")

    def pack(self) -> str:
        parts = ["sn", self.group_id, self.week, self.attendance]
        return joined(*parts, *(["c"] if self.confirmed else []))

    @classmethod
    def from_match(cls, m: re.Match[str]) -> SessionAttendance:
        return cls(int(m[1]), int(m[2]), int(m[3]), m[4] is not None)


# --- choosing the group of /broadcast, /remind, /report, /export: pk:<letter>:<group> ----------


PickLetter = Literal["b", "r", "p", "e"]


@dataclass(frozen=True)
class PickedGroup(OfGroup, Coded, abstract=True):
    LETTER: ClassVar[PickLetter]

    @classmethod
    def wire_pattern(cls) -> str:
        return rf"pk:{cls.LETTER}:(\d{{1,9}})"

    def pack(self) -> str:
        return joined("pk", self.LETTER, self.group_id)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]))


class BroadcastTo(PickedGroup):
    LETTER = "b"


class RemindFor(PickedGroup):
    LETTER = "r"


class ReportOn(PickedGroup):
    LETTER = "p"


class ExportFor(PickedGroup):
    LETTER = "e"


PICKS: dict[PickLetter, type[PickedGroup]] = {
    f.LETTER: f for f in (BroadcastTo, RemindFor, ReportOn, ExportFor)
}


# --- a draft broadcast or reminder: bc:<draft>:<y|n> -------------------------------------------


@dataclass(frozen=True)
class DraftAnswer(Coded, abstract=True):
    broadcast_id: int
    ANSWER: ClassVar[str]

    @classmethod
    def wire_pattern(cls) -> str:
        return rf"bc:(\d{{1,10}}):{cls.ANSWER}"

    def pack(self) -> str:
        return joined("bc", self.broadcast_id, self.ANSWER)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]))


class SendBroadcast(DraftAnswer):
    ANSWER = "y"


class CancelBroadcast(DraftAnswer):
    ANSWER = "n"


# When a one-off reminder goes out: in an hour, this evening, tomorrow morning, 3 h before.
RemindWhen = Literal["h1", "ev", "tm", "mb"]
REMIND_WHEN: tuple[RemindWhen, ...] = ("h1", "ev", "tm", "mb")


@dataclass(frozen=True)
class RemindAt(OfGroup):
    """rw:<group>:<when>."""

    when: RemindWhen

    PATTERN = re.compile(r"rw:(\d{1,9}):(h1|ev|tm|mb)")

    def pack(self) -> str:
        return joined("rw", self.group_id, self.when)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> RemindAt:
        return cls(int(m[1]), cast(RemindWhen, m[2]))


# Export ranges: everything, the last 4 weeks, the last 12 weeks.
ExportRange = Literal["all", "4w", "12w"]
EXPORT_RANGES: tuple[ExportRange, ...] = ("all", "4w", "12w")


@dataclass(frozen=True)
class ExportWeeks(OfGroup):
    """ex:<group>:<range>."""

    span: ExportRange

    PATTERN = re.compile(r"ex:(\d{1,9}):(all|4w|12w)")

    def pack(self) -> str:
        return joined("ex", self.group_id, self.span)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> ExportWeeks:
        return cls(int(m[1]), cast(ExportRange, m[2]))


@dataclass(frozen=True)
class WizardAnswer(Button):
    """A button of the /newgroup wizard: nw:<step>:<value>. Answered by the wizard while it
    runs; pressed when none runs (a restart, a timeout), it is stale."""

    step: str
    value: str

    PATTERN = re.compile(r"nw:([a-z]{1,3}):([A-Za-z0-9_/+-]{1,40})")

    def pack(self) -> str:
        data = joined("nw", self.step, self.value)
        assert self.PATTERN.fullmatch(data), data
        return data

    @classmethod
    def from_match(cls, m: re.Match[str]) -> WizardAnswer:
        return cls(m[1], m[2])


# --- becoming a facilitator --------------------------------------------------------------------


@dataclass(frozen=True)
class ConductAnswer(Button):
    """The facilitators' code of conduct: fc:<invite code>:a (accept) or :x (decline)."""

    code: str
    accepted: bool

    PATTERN = re.compile(rf"fc:({CODE}):([ax])")

    def pack(self) -> str:
        return joined("fc", self.code, "a" if self.accepted else "x")

    @classmethod
    def from_match(cls, m: re.Match[str]) -> ConductAnswer:
        return cls(m[1], m[2] == "a")


@dataclass(frozen=True)
class InviteFacilitator(Button):
    """An admin's facilitator invitation for a group, or for none yet: fi:<group or 0>."""

    group_id: int | None

    PATTERN = re.compile(r"fi:(\d{1,9})")

    def pack(self) -> str:
        return joined("fi", self.group_id or 0)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> InviteFacilitator:
        return cls(int(m[1]) or None)


# --- partner invitations made by staff: kg:<group>, km:<group>:<membership> --------------------


@dataclass(frozen=True)
class InvitationMembers(Button):
    """/partnerinvite, a group chosen: whose partner to invite."""

    group_id: int

    PATTERN = re.compile(r"kg:(\d{1,9})")

    def pack(self) -> str:
        return joined("kg", self.group_id)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> InvitationMembers:
        return cls(int(m[1]))


@dataclass(frozen=True)
class InvitePartnerOf(Button):
    group_id: int
    membership_id: int

    PATTERN = re.compile(r"km:(\d{1,9}):(\d{1,10})")

    def pack(self) -> str:
        return joined("km", self.group_id, self.membership_id)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> InvitePartnerOf:
        return cls(int(m[1]), int(m[2]))


# --- an admin ending a facilitator's or a recorder's role (/staff) -----------------------------

StaffRole = Literal["f", "r"]  # facilitator, recorder
EndStep = Literal["a", "y", "n"]  # ask (the confirmation screen), yes, no


@dataclass(frozen=True)
class EndRole(Button):
    """sr:<f|r>:<staff row>:<since>:<a|y|n>. `since` is when the person took the role (Unix
    seconds): a button shown before the role ended and was taken again is stale, so it never
    ends the new role."""

    role: StaffRole
    staff_id: int
    since: int
    step: EndStep

    ASK: ClassVar[EndStep] = "a"
    YES: ClassVar[EndStep] = "y"
    NO: ClassVar[EndStep] = "n"
    PATTERN = re.compile(r"sr:([fr]):(\d{1,10}):(\d{1,12}):([ayn])")

    def pack(self) -> str:
        return joined("sr", self.role, self.staff_id, self.since, self.step)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> EndRole:
        return cls(cast(StaffRole, m[1]), int(m[2]), int(m[3]), cast(EndStep, m[4]))
