"""The people you can play in the sandbox, each with a fixed simulated Telegram id and name."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NUMBER = 99
# Fixed id ranges, so a kept database (--db) finds the same people again.
_BASE = {
    "member": 100_000,
    "partner": 200_000,
    "facilitator": 300_000,
    "admin": 400_000,
    "focal": 500_000,  # the safeguarding focal point: receives concerns and help requests
    "recorder": 600_000,  # records the programme as voice (issue 21); "recorder 2" approves
}
_NAMES = {
    "member": ("Amadou", "Bakary", "Moussa", "Oumar", "Seydou", "Ibrahim", "Modibo", "Drissa"),
    "partner": ("Aminata", "Kadiatou", "Mariam", "Awa", "Rokia", "Fanta", "Salimata", "Djeneba"),
    "facilitator": ("Salif", "Assitan"),
    "admin": ("Ramata",),
    "focal": ("Fatoumata",),
    "recorder": ("Nana", "Sekou"),
}
# Roles that come in numbers; the others are one person ("facilitator 2" is still allowed).
_PATTERN = re.compile(r"^(member|partner|facilitator|admin|focal|recorder)(?:\s+(\d+))?$")
ROLES = tuple(_BASE)


@dataclass(frozen=True)
class Persona:
    role: str
    number: int

    @property
    def user_id(self) -> int:
        return _BASE[self.role] + self.number

    @property
    def first_name(self) -> str:
        names = _NAMES[self.role]
        if self.number <= len(names):
            return names[self.number - 1]
        return f"{self.role.capitalize()}{self.number}"

    @property
    def label(self) -> str:
        """How the terminal names this person: "member 2", "facilitator", "partner"."""
        if (
            self.role in ("facilitator", "admin", "partner", "focal", "recorder")
            and self.number == 1
        ):
            return self.role
        return f"{self.role} {self.number}"


def parse_persona(text: str) -> Persona:
    """'member 2', 'facilitator', 'partner 1'...; ValueError says what is accepted."""
    m = _PATTERN.match(" ".join(text.lower().split()))
    if m is None:
        raise ValueError(
            f"unknown person {text.strip()!r}: use facilitator, member N, partner N, admin, focal "
            "or recorder N"
        )
    number = int(m.group(2) or 1)
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"{m.group(1)} {number}: choose a number from 1 to {MAX_NUMBER}")
    return Persona(m.group(1), number)


def persona_of(user_id: int) -> Persona | None:
    """The persona behind a simulated Telegram id, None for anyone else."""
    for role, base in _BASE.items():
        if base < user_id <= base + MAX_NUMBER:
            return Persona(role, user_id - base)
    return None


MEMBER_1 = Persona("member", 1)
FACILITATOR = Persona("facilitator", 1)
ADMIN = Persona("admin", 1)
FOCAL = Persona("focal", 1)
RECORDER = Persona("recorder", 1)
