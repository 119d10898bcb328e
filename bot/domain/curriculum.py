"""Curriculum models: the programme's content as validated data (no Telegram, no SQL).

A curriculum is a TOML file in ``conversations/`` written in its source language (English).
Translations live in the gettext domain ``content``; each translatable string is looked up with
a message context built by :func:`context_key`, e.g. ``men-groups-12:w3:prompt``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# Telegram's hard limits, and the programme's own readability rule.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MESSAGE_GUIDELINE = 600

ShortText = Annotated[str, Field(min_length=1, max_length=MESSAGE_GUIDELINE)]
LongText = Annotated[str, Field(min_length=1, max_length=TEXT_LIMIT)]


class Audience(StrEnum):
    MEN = "men"
    COUPLES = "couples"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Activity(_Strict):
    title: ShortText
    steps: list[ShortText] = Field(min_length=1)


class SessionPlan(_Strict):
    """The facilitator's discussion guide for one meeting."""

    opening: ShortText
    activity: Activity
    questions: list[ShortText] = Field(min_length=3, max_length=5)
    closing: ShortText
    take_home: ShortText
    duration_minutes: int = Field(ge=15, le=240)


class CouplesExercise(_Strict):
    """Something both partners do together, face to face, in about 10-20 minutes."""

    title: ShortText
    steps: list[ShortText] = Field(min_length=1)
    minutes: int = Field(ge=5, le=30)


class WeekAudio(_Strict):
    """One language's recordings of a week, by item (bot/domain/audio.py names the items)."""

    prompt: str | None = None
    checkin: str | None = None
    tip: str | None = None
    couples_exercise: str | None = None


class Week(_Strict):
    number: int = Field(ge=1)
    theme: ShortText
    prompt: ShortText | None = None
    challenge: ShortText | None = None
    checkin: ShortText | None = None
    tip: ShortText | None = None
    session_plan: SessionPlan
    couples_exercise: CouplesExercise | None = None
    # language code -> voice recordings (OGG/Opus, paths relative to the curriculum file): a
    # path alone is the week's message (the prompt), or a table names each item.
    audio: dict[str, str | WeekAudio] = Field(default_factory=dict)

    def audio_files(self) -> Iterator[tuple[str, str, str]]:
        """(language, item, relative path) of every recording this week names."""
        for lang, files in sorted(self.audio.items()):
            if isinstance(files, str):
                yield lang, "prompt", files
                continue
            for item, rel in files.model_dump(exclude_none=True).items():
                yield lang, item, rel


class Curriculum(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]
    title: ShortText
    audience: Audience
    weeks: int = Field(ge=1, le=52)
    source_language: str = "en"
    attribution: list[str] = Field(min_length=1)
    code_of_conduct: LongText
    # language code -> a recording of the code of conduct, heard before joining
    code_of_conduct_audio: dict[str, str] = Field(default_factory=dict)
    week: list[Week]

    def audio_files(self) -> Iterator[tuple[int, str, str, str]]:
        """(week or 0, language, item, relative path) of every recording the file names."""
        for lang, rel in sorted(self.code_of_conduct_audio.items()):
            yield 0, lang, "code_of_conduct", rel
        for w in sorted(self.week, key=lambda w: w.number):
            for lang, item, rel in w.audio_files():
                yield w.number, lang, item, rel

    @model_validator(mode="after")
    def _weeks_complete(self) -> Curriculum:
        numbers = [w.number for w in self.week]
        expected = list(range(1, self.weeks + 1))
        if sorted(numbers) != expected:
            missing = sorted(set(expected) - set(numbers))
            extra = sorted(set(numbers) - set(expected))
            raise ValueError(
                f"weeks must be numbered 1..{self.weeks}; missing {missing}, extra {extra}"
            )
        for w in self.week:
            if self.audience is Audience.MEN:
                for field in ("prompt", "challenge", "checkin", "tip"):
                    if getattr(w, field) is None:
                        raise ValueError(f"week {w.number}: {field} is required for a men's group")
            elif w.couples_exercise is None:
                raise ValueError(f"week {w.number}: couples_exercise is required for couples")
        return self

    def get_week(self, number: int) -> Week:
        for w in self.week:
            if w.number == number:
                return w
        raise KeyError(number)


def context_key(curriculum_id: str, week: int | None, field: str) -> str:
    """The gettext message context of one translatable string."""
    if week is None:
        return f"{curriculum_id}:{field}"
    return f"{curriculum_id}:w{week}:{field}"


def translatable_strings(cur: Curriculum) -> Iterator[tuple[str, str]]:
    """Every (context, source text) pair of a curriculum, in reading order."""
    yield context_key(cur.id, None, "title"), cur.title
    yield context_key(cur.id, None, "code_of_conduct"), cur.code_of_conduct
    for w in sorted(cur.week, key=lambda w: w.number):
        n = w.number
        yield context_key(cur.id, n, "theme"), w.theme
        for field in ("prompt", "challenge", "checkin", "tip"):
            value = getattr(w, field)
            if value is not None:
                yield context_key(cur.id, n, field), value
        p = w.session_plan
        yield context_key(cur.id, n, "session_plan.opening"), p.opening
        yield context_key(cur.id, n, "session_plan.activity.title"), p.activity.title
        for i, step in enumerate(p.activity.steps, 1):
            yield context_key(cur.id, n, f"session_plan.activity.steps.{i}"), step
        for i, q in enumerate(p.questions, 1):
            yield context_key(cur.id, n, f"session_plan.questions.{i}"), q
        yield context_key(cur.id, n, "session_plan.closing"), p.closing
        yield context_key(cur.id, n, "session_plan.take_home"), p.take_home
        if w.couples_exercise is not None:
            ex = w.couples_exercise
            yield context_key(cur.id, n, "couples_exercise.title"), ex.title
            for i, step in enumerate(ex.steps, 1):
                yield context_key(cur.id, n, f"couples_exercise.steps.{i}"), step


class CurriculumError(Exception):
    """A curriculum file that cannot be used; the message names file, week and field."""


def _describe(path: Path, raw: dict[str, object], err: ValidationError) -> str:
    lines = []
    weeks = raw.get("week") if isinstance(raw.get("week"), list) else []
    for e in err.errors():
        loc = list(e["loc"])
        where = "-"
        if len(loc) >= 2 and loc[0] == "week" and isinstance(loc[1], int):
            idx = loc[1]
            entry = weeks[idx] if isinstance(weeks, list) and idx < len(weeks) else None
            number = entry.get("number") if isinstance(entry, dict) else None
            where = str(number if number is not None else idx + 1)
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or "-"
        lines.append(f"{path}:{where}:{field}: {e['msg']}")
    return "\n".join(lines)


def load_curriculum(path: Path) -> Curriculum:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CurriculumError(f"{path}:-:-: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CurriculumError(f"{path}:-:-: not valid TOML: {exc}") from None
    try:
        return Curriculum.model_validate(raw)
    except ValidationError as exc:
        raise CurriculumError(_describe(path, raw, exc)) from None
