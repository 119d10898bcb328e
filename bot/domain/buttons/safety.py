"""Safety and privacy buttons (prefix z). Nothing a person typed ever rides in button data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.domain.buttons.base import Button, YesNo, joined

HelpChoice = Literal["t", "y", "n"]


@dataclass(frozen=True)
class HelpOffer(Button):
    """zh:<t|y|n>: t offers a person to talk to, y agrees to be contacted, n is "not now"."""

    choice: HelpChoice

    PATTERN = re.compile(r"zh:([tyn])")

    def pack(self) -> str:
        return joined("zh", self.choice)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> HelpOffer:
        return cls(cast(HelpChoice, m[1]))


@dataclass(frozen=True)
class DistressCheck(YesNo):
    """zd:<y|n>: yes, you understood me (show help), or no, carry on."""

    PREFIX = "zd"
    PATTERN = re.compile(r"zd:([yn])")


@dataclass(frozen=True)
class ConcernStep(Button):
    """zc:<answers so far>, one letter each: kind (f feedback, c complaint), about (f facilitator,
    m member, p programme), anonymous (1) or named (0); "x" cancels."""

    answers: str

    PATTERN = re.compile(r"zc:(x|[fc](?:[fmp][01]?)?)")

    @property
    def cancelled(self) -> bool:
        return self.answers == "x"

    def pack(self) -> str:
        return joined("zc", self.answers)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> ConcernStep:
        return cls(m[1])


FocalVerb = Literal["o", "r", "c", "a"]


@dataclass(frozen=True)
class FocalAction(Button):
    """zf:<verb>:<concern>: a focal point opens (o), marks received (r), closes (c) or answers
    (a) one concern."""

    verb: FocalVerb
    concern_id: int

    PATTERN = re.compile(r"zf:([orca]):(\d{1,10})")

    def pack(self) -> str:
        return joined("zf", self.verb, self.concern_id)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> FocalAction:
        return cls(cast(FocalVerb, m[1]), int(m[2]))


Setting = Literal["m", "d", "s", "e"]


@dataclass(frozen=True)
class SettingsChange(Button):
    """zs:m opens the erase menu; zs:d:<0|1> discreet mode, zs:s:<0|1> silent, zs:e:<hours>
    automatic erasing (0 = off)."""

    setting: Setting
    value: int = 0

    PATTERN = re.compile(r"zs:(?:(m)|([ds]):([01])|(e):(\d{1,2}))")

    def pack(self) -> str:
        return "zs:m" if self.setting == "m" else joined("zs", self.setting, self.value)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> SettingsChange:
        if m[1]:
            return cls("m")
        setting, value = (m[2], m[3]) if m[2] else (m[4], m[5])
        return cls(cast(Setting, setting), int(value))


@dataclass(frozen=True)
class Forget(YesNo):
    """zx:<y|n>: /forget confirmed, or cancelled."""

    PREFIX = "zx"
    PATTERN = re.compile(r"zx:([yn])")
