"""A member's buttons: joining, the weekly check-ins, settings of his own, and a partner's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal, Self, cast

from bot.domain.audio import VoiceMode
from bot.domain.buttons.base import CODE, LANG, Button, YesNo, flag, joined

JoinStage = Literal[
    "lang", "voice", "hear", "consent", "optin", "name", "hearconduct", "accept", "decline"
]
_JOIN_LETTERS: dict[JoinStage, str] = {
    "lang": "l", "voice": "v", "hear": "h", "consent": "c", "optin": "p", "name": "n",
    "hearconduct": "k", "accept": "a", "decline": "x",
}  # fmt: skip
_JOIN_STAGES = {v: k for k, v in _JOIN_LETTERS.items()}
# How many yes/no flags each stage carries. Accept carries a third, discreet mode, chosen on
# the same screen; an accept with two (from before discreet mode) still works: not discreet.
_JOIN_FLAGS = {
    "l": (0,), "v": (0,), "h": (0,), "c": (0,), "p": (1,), "n": (2,), "k": (2,), "a": (3, 2),
    "x": (0,),
}  # fmt: skip
# How the member wants the programme (read, listen, both), chosen right after the language
# and carried to the end: a letter after the flags. Buttons from before the choice existed
# carry none (None: the language's default), and still work.
VOICE_LETTERS: dict[VoiceMode, str] = {
    VoiceMode.READ: "r",
    VoiceMode.LISTEN: "l",
    VoiceMode.BOTH: "b",
}
_VOICE_MODES = {v: k for k, v in VOICE_LETTERS.items()}


@dataclass(frozen=True)
class Join(Button):
    """One step of joining a group with an invite code:
    j<stage>:<code>:<lang>[:flags][:<r|l|b>]."""

    stage: JoinStage
    code: str
    lang: str
    opt_in: bool = False
    show_name: bool = False
    discreet: bool = False
    voice: VoiceMode | None = None

    PATTERN = re.compile(
        rf"j(?P<s>[lvhcpnkax]):(?P<code>{CODE})?:(?P<lang>{LANG})(?P<flags>(?::[01]){{0,3}})"
        r"(?::(?P<voice>[rlb]))?"
    )

    def pack(self) -> str:
        letter = _JOIN_LETTERS[self.stage]
        flags = [flag(b) for b in (self.opt_in, self.show_name, self.discreet)]
        voice = [VOICE_LETTERS[self.voice]] if self.voice is not None else []
        return joined(f"j{letter}", self.code, self.lang, *flags[: _JOIN_FLAGS[letter][0]], *voice)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Join | None:
        letter = m["s"]
        flags = [f == "1" for f in m["flags"].split(":")[1:]]
        if len(flags) not in _JOIN_FLAGS[letter] or (letter != "x" and not m["code"]):
            return None
        voice = _VOICE_MODES[m["voice"]] if m["voice"] else None
        if (letter == "v" and voice is None) or (letter == "l" and voice is not None):
            return None  # the choice is what "v" carries; the language screen precedes it
        opt_in, show_name, discreet = [*flags, False, False, False][:3]
        stage = _JOIN_STAGES[letter]
        return cls(stage, m["code"] or "", m["lang"], opt_in, show_name, discreet, voice)


@dataclass(frozen=True)
class _WeekAnswer(Button, abstract=True):
    """The shape of a week's check-in buttons: <PREFIX>:<membership>:<week>:<code>."""

    membership_id: int
    week: int
    value: str

    PREFIX: ClassVar[str]
    CODES: ClassVar[dict[str, str]]  # value -> the letter on the wire

    def pack(self) -> str:
        return joined(self.PREFIX, self.membership_id, self.week, self.CODES[self.value])

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        value = next(v for v, code in cls.CODES.items() if code == m[3])
        return cls(int(m[1]), int(m[2]), value)


CheckInValue = Literal["done", "partly", "notyet"]


@dataclass(frozen=True)
class CheckIn(_WeekAnswer):
    """How this week's challenge went: ci:<membership>:<week>:<d|p|n>."""

    value: CheckInValue

    PREFIX = "ci"
    CODES: ClassVar[dict[str, str]] = {"done": "d", "partly": "p", "notyet": "n"}
    PATTERN = re.compile(r"ci:(\d{1,10}):(\d{1,2}):([dpn])")


CouplesValue = Literal["done", "notyet", "hard"]


@dataclass(frozen=True)
class CouplesCheckIn(_WeekAnswer):
    """How the couple's joint exercise went: cc:<membership>:<week>:<d|n|h>."""

    value: CouplesValue

    PREFIX = "cc"
    CODES: ClassVar[dict[str, str]] = {"done": "d", "notyet": "n", "hard": "h"}
    PATTERN = re.compile(r"cc:(\d{1,10}):(\d{1,2}):([dnh])")


@dataclass(frozen=True)
class ChooseLanguage(Button):
    """/language: lang:<code>."""

    lang: str

    PATTERN = re.compile(rf"lang:({LANG})")

    def pack(self) -> str:
        return joined("lang", self.lang)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> ChooseLanguage:
        return cls(m[1])


@dataclass(frozen=True)
class Pause(Button):
    """/pause: pz:<weeks>, 0 for "until I send /resume"."""

    weeks: int

    PATTERN = re.compile(r"pz:([0-4])")

    def pack(self) -> str:
        return joined("pz", self.weeks)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Pause:
        return cls(int(m[1]))


@dataclass(frozen=True)
class Stop(YesNo):
    """/stop, confirmed or not: st:<y|n>."""

    PREFIX = "st"
    PATTERN = re.compile(r"st:([yn])")


MenuCommand = Literal["progress", "pause", "help"]


@dataclass(frozen=True)
class MenuShortcut(Button):
    """A member's command, as a button of his menu: mm:<command>."""

    command: MenuCommand

    PATTERN = re.compile(r"mm:(progress|pause|help)")

    def pack(self) -> str:
        return joined("mm", self.command)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> MenuShortcut:
        return cls(cast(MenuCommand, m[1]))


PartnerStage = Literal["lang", "accept", "decline"]
_PARTNER_LETTERS: dict[PartnerStage, str] = {"lang": "l", "accept": "a", "decline": "x"}
_PARTNER_STAGES = {v: k for k, v in _PARTNER_LETTERS.items()}


@dataclass(frozen=True)
class PartnerStep(Button):
    """A partner joining the couples track from his invitation: pl|pa|px:<code>:<lang>."""

    stage: PartnerStage
    code: str
    lang: str

    PATTERN = re.compile(rf"p(?P<s>[lax]):(?P<code>{CODE})?:(?P<lang>{LANG})")

    def pack(self) -> str:
        return joined(f"p{_PARTNER_LETTERS[self.stage]}", self.code, self.lang)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> PartnerStep | None:
        if m["s"] != "x" and not m["code"]:
            return None
        return cls(_PARTNER_STAGES[m["s"]], m["code"] or "", m["lang"])


@dataclass(frozen=True)
class ContactRegistration(Button):
    """A partner contact accepting (kc:<code>) or declining (kx) to be registered."""

    code: str | None  # None: declined

    PATTERN = re.compile(rf"k(?:c:({CODE})|x)")

    def pack(self) -> str:
        return joined("kc", self.code) if self.code else "kx"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> ContactRegistration:
        return cls(m[1])


@dataclass(frozen=True)
class VoiceModeChoice(Button):
    """/settings: how he receives the programme: vm (show the choice) or vm:<r|l|b>."""

    mode: VoiceMode | None

    PATTERN = re.compile(r"vm(?::([rlb]))?")

    def pack(self) -> str:
        return joined("vm", VOICE_LETTERS[self.mode]) if self.mode is not None else "vm"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> VoiceModeChoice:
        return cls(_VOICE_MODES[m[1]] if m[1] else None)


@dataclass(frozen=True)
class LanguageMenu(Button):
    """/settings: show the languages to choose from (the same choice as /language): lm."""

    PATTERN = re.compile(r"lm")

    def pack(self) -> str:
        return "lm"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> LanguageMenu:
        return cls()
