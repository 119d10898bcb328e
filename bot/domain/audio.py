"""The programme as voice: what can be recorded, how a member chooses to receive it, and the
names its recordings go by (no Telegram, no SQL).

A recording is of one *item* in one language: a member-facing programme message (a week's
prompt, check-in question, tip, couples exercise) or a screen of joining (the consent, a
curriculum's code of conduct, the notice about Bambara text). Items of a week carry its
curriculum and week; the code of conduct carries its curriculum only; the other screens belong
to no curriculum. The same key names a recording in the library (the `recording` table), its
file in an export, and its upload to Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.outbox_kinds import OutboxKind


class AudioItem(StrEnum):
    # A week's programme, as members receive it. The prompt is the week's message whole:
    # its theme, the reflection prompt and the household challenge, read together.
    PROMPT = "prompt"
    CHECKIN = "checkin"
    TIP = "tip"  # sent to those who answer Partly or Not yet
    COUPLES = "couples_exercise"
    # Screens of joining, heard before deciding.
    CONDUCT = "code_of_conduct"  # per curriculum
    CONSENT = "consent"  # Foyer's own, for every curriculum
    LANGUAGE_NOTICE = "language_notice"  # "written messages in French, voice in Bambara"


WEEK_ITEMS = (AudioItem.PROMPT, AudioItem.CHECKIN, AudioItem.TIP, AudioItem.COUPLES)
CURRICULUM_ITEMS = (AudioItem.CONDUCT,)
FOYER_ITEMS = (AudioItem.CONSENT, AudioItem.LANGUAGE_NOTICE)

# The outbox kinds whose message may be a voice message, and the item it is the recording of.
ITEM_OF_KIND: dict[str, AudioItem] = {
    OutboxKind.PROMPT: AudioItem.PROMPT,
    OutboxKind.CHECKIN: AudioItem.CHECKIN,
    OutboxKind.COUPLES: AudioItem.COUPLES,
}


class VoiceMode(StrEnum):
    """How a member receives the programme: the text, the voice message, or both."""

    READ = "read"
    LISTEN = "listen"  # voice first: the text only when it cannot be a caption
    BOTH = "both"


# Where most members read little or the language has no reviewed written form, voice comes too.
_VOICE_BY_DEFAULT = {"bm": VoiceMode.BOTH}


def default_voice_mode(language: str) -> VoiceMode:
    """A member's mode until he chooses one (`person.voice_mode` NULL)."""
    return _VOICE_BY_DEFAULT.get(language, VoiceMode.READ)


def voice_mode(chosen: str | None, language: str) -> VoiceMode:
    if chosen is not None and chosen in VoiceMode._value2member_map_:
        return VoiceMode(chosen)
    return default_voice_mode(language)


class RecordingStatus(StrEnum):
    DRAFT = "draft"  # recorded, not yet submitted: the recorder may listen and redo
    PENDING = "pending"  # waits for a second person
    APPROVED = "approved"  # the one sent to members (one per key at a time)
    REJECTED = "rejected"  # with a reason
    REPLACED = "replaced"  # was approved; a newer recording of the same key was approved


# Telegram voice messages play anywhere; longer than this is not a voice message but a lecture.
MAX_SECONDS = 300
# Advice to recorders (docs/voice.md): under two minutes.
ADVISED_SECONDS = 120

_NAME = re.compile(
    r"^(?:(?P<cur>[a-z0-9][a-z0-9-]{1,40})\.)?(?:w(?P<week>\d{1,2})\.)?"
    r"(?P<item>[a-z_]+)\.(?P<lang>[a-z]{2,3})\.ogg$"
)


@dataclass(frozen=True, order=True)
class AudioKey:
    """One recording's identity. ``curriculum`` is "" and ``week`` 0 where the item has none
    (the table keeps them non-null so a key is unique)."""

    curriculum: str
    week: int
    item: AudioItem
    language: str

    def __post_init__(self) -> None:
        item = AudioItem(self.item)
        has_curriculum = item not in FOYER_ITEMS
        has_week = item in WEEK_ITEMS
        if bool(self.curriculum) != has_curriculum or (self.week > 0) != has_week:
            raise ValueError(f"{item} with curriculum {self.curriculum!r} and week {self.week}")

    @classmethod
    def of_week(cls, curriculum: str, week: int, item: AudioItem, language: str) -> AudioKey:
        return cls(curriculum, week, item, language)

    def text(self) -> str:
        """For logs and the tracker: men-groups-12:w3:prompt:bm, men-groups-12:code_of_conduct:bm,
        consent:bm. Holds no person."""
        parts = [self.curriculum] if self.curriculum else []
        if self.week:
            parts.append(f"w{self.week}")
        return ":".join([*parts, self.item.value, self.language])

    def file_name(self) -> str:
        """The file in an export and the name of its upload: men-groups-12.w3.prompt.bm.ogg."""
        return self.text().replace(":", ".") + ".ogg"

    @classmethod
    def from_file_name(cls, name: str) -> AudioKey | None:
        """The key a file of an export is named by; None for any other name."""
        m = _NAME.match(name)
        if m is None or m["item"] not in AudioItem._value2member_map_:
            return None
        try:
            return cls(m["cur"] or "", int(m["week"] or 0), AudioItem(m["item"]), m["lang"])
        except ValueError:
            return None
