"""Buttons of facilitators, admins and focal points."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.buttons.base import Button, joined


@dataclass(frozen=True)
class SessionHeld(Button):
    """Did this week's meeting take place: sl:<group>:<week>:<y|n>."""

    group_id: int
    week: int
    held: bool

    PATTERN = re.compile(r"sl:(\d{1,9}):(\d{1,2}):([yn])")

    def pack(self) -> str:
        return joined("sl", self.group_id, self.week, "y" if self.held else "n")

    @classmethod
    def from_match(cls, m: re.Match[str]) -> SessionHeld:
        return cls(int(m[1]), int(m[2]), m[3] == "y")


@dataclass(frozen=True)
class SessionAttendance(Button):
    """How many came: sn:<group>:<week>:<count>[:c], c when the facilitator confirmed that an
    unusual count is right."""

    group_id: int
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
