"""Buttons of the audio library: recorders record (rc:...) and a second person reviews (rv:...).

Every button names what it acts on (a key, a recording id, an invitation code); who may press
it is decided by the handler, from the person pressing, never from the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal, Self, cast

from bot.domain.audio import AudioItem, AudioKey
from bot.domain.buttons.base import CODE, LANG, Button, flag, joined

# An item on the wire: one letter, so a key fits in 64 bytes with a long curriculum id.
ITEM_CODES: dict[AudioItem, str] = {
    AudioItem.PROMPT: "p",
    AudioItem.CHECKIN: "c",
    AudioItem.TIP: "t",
    AudioItem.COUPLES: "x",
    AudioItem.CONDUCT: "k",
    AudioItem.CONSENT: "s",
    AudioItem.LANGUAGE_NOTICE: "n",
}
_ITEM_OF_CODE = {code: item for item, code in ITEM_CODES.items()}
_CUR = r"([a-z0-9][a-z0-9-]{1,40}|-)"  # a curriculum id, or "-" for Foyer's own screens
NO_CURRICULUM = "-"


def _cur(curriculum: str) -> str:
    return curriculum or NO_CURRICULUM


def _uncur(wire: str) -> str:
    return "" if wire == NO_CURRICULUM else wire


@dataclass(frozen=True)
class RecordHome(Button):
    """/record's overview, a page of it: rc:o:<page>."""

    page: int = 0

    PATTERN = re.compile(r"rc:o:(\d{1,3})")

    def pack(self) -> str:
        return joined("rc", "o", self.page)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]))


@dataclass(frozen=True)
class RecordList(Button):
    """The items of one curriculum (or of Foyer's screens) in one language:
    rc:l:<lang>:<curriculum|->:<page>:<1: also those recorded, to replace one>."""

    language: str
    curriculum: str
    page: int = 0
    everything: bool = False

    PATTERN = re.compile(rf"rc:l:({LANG}):{_CUR}:(\d{{1,3}}):([01])")

    def pack(self) -> str:
        cur = _cur(self.curriculum)
        return joined("rc", "l", self.language, cur, self.page, flag(self.everything))

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(m[1], _uncur(m[2]), int(m[3]), m[4] == "1")


@dataclass(frozen=True)
class RecordItem(Button):
    """Record this key: rc:i:<lang>:<curriculum|->:<week>:<item letter>."""

    key: AudioKey

    PATTERN = re.compile(rf"rc:i:({LANG}):{_CUR}:(\d{{1,2}}):([a-z])")

    def pack(self) -> str:
        k = self.key
        return joined("rc", "i", k.language, _cur(k.curriculum), k.week, ITEM_CODES[k.item])

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self | None:
        item = _ITEM_OF_CODE.get(m[4])
        if item is None:
            return None
        try:
            return cls(AudioKey(_uncur(m[2]), int(m[3]), item, m[1]))
        except ValueError:  # an item with a week it cannot have: forged
            return None


DraftVerb = Literal["l", "r", "s", "x"]  # listen, redo, submit, cancel


@dataclass(frozen=True)
class DraftAction(Button):
    """The recorder's own draft: rc:d:<recording>:<l|r|s|x>."""

    recording_id: int
    verb: DraftVerb

    LISTEN: ClassVar[DraftVerb] = "l"
    REDO: ClassVar[DraftVerb] = "r"
    SUBMIT: ClassVar[DraftVerb] = "s"
    CANCEL: ClassVar[DraftVerb] = "x"
    PATTERN = re.compile(r"rc:d:(\d{1,12}):([lrsx])")

    def pack(self) -> str:
        return joined("rc", "d", self.recording_id, self.verb)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]), cast(DraftVerb, m[2]))


@dataclass(frozen=True)
class RecorderConduct(Button):
    """Accept (y) or decline (n) the staff code of conduct with a recorder invitation:
    rc:c:<code>:<y|n>."""

    code: str
    accepted: bool

    PATTERN = re.compile(rf"rc:c:({CODE}):([yn])")

    def pack(self) -> str:
        return joined("rc", "c", self.code, "y" if self.accepted else "n")

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(m[1], m[2] == "y")


@dataclass(frozen=True)
class RecorderInvite(Button):
    """An admin choosing a new recorder's languages: rc:n:<bm.fr|->:<1: make the link>."""

    languages: tuple[str, ...]
    done: bool = False

    PATTERN = re.compile(rf"rc:n:((?:{LANG})(?:\.(?:{LANG}))*|-):([01])")

    def pack(self) -> str:
        return joined("rc", "n", ".".join(self.languages) or "-", flag(self.done))

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self | None:
        langs = () if m[1] == "-" else tuple(m[1].split("."))
        if len(set(langs)) != len(langs):
            return None
        return cls(langs, m[2] == "1")


@dataclass(frozen=True)
class ReviewPage(Button):
    """The recordings waiting for review, a page: rv:p:<page>."""

    page: int = 0

    PATTERN = re.compile(r"rv:p:(\d{1,3})")

    def pack(self) -> str:
        return joined("rv", "p", self.page)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(int(m[1]))


ReviewVerb = Literal["o", "l", "a", "r"]  # open, listen, approve, reject


@dataclass(frozen=True)
class ReviewAction(Button):
    """A reviewer's action on a pending recording: rv:<o|l|a|r>:<recording>."""

    verb: ReviewVerb
    recording_id: int

    OPEN: ClassVar[ReviewVerb] = "o"
    LISTEN: ClassVar[ReviewVerb] = "l"
    APPROVE: ClassVar[ReviewVerb] = "a"
    REJECT: ClassVar[ReviewVerb] = "r"
    PATTERN = re.compile(r"rv:([olar]):(\d{1,12})")

    def pack(self) -> str:
        return joined("rv", self.verb, self.recording_id)

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Self:
        return cls(cast(ReviewVerb, m[1]), int(m[2]))
