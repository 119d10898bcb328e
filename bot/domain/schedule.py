"""Schedule arithmetic for one group: local wall-clock rules in, UTC instants out.

All rules are in the group's IANA timezone (a meeting is "Thursday 17:00 in Bamako"), so the
arithmetic is done on local dates and times and converted to UTC at the end, which keeps the
schedule right across DST changes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_day_names

from bot.domain.outbox_kinds import OutboxKind

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class EventKind(StrEnum):
    """A scheduled moment, named as the message it mainly carries (bot/delivery/due.py says
    which messages each one carries, and to whom)."""

    PROMPT = OutboxKind.PROMPT
    CHECKIN = OutboxKind.CHECKIN
    # Around each meeting (only when the schedule asks for them, see GroupSchedule):
    GUIDE = OutboxKind.GUIDE
    REMINDER_24H = OutboxKind.REMINDER_24H
    REMINDER_1H = OutboxKind.REMINDER_1H
    SESSION_ASK = OutboxKind.SESSION_ASK
    SUMMARY = OutboxKind.SUMMARY  # opt-in per group


# The session log question comes this long after the meeting starts.
SESSION_ASK_AFTER = timedelta(hours=2)
# The weekly summary goes out this long after the week's check-in, once answers are in.
SUMMARY_AFTER_CHECKIN = timedelta(days=1)


class ScheduleError(ValueError):
    pass


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.casefold().strip().rstrip("."))
    return "".join(ch for ch in word if not unicodedata.combining(ch))


@cache
def _weekday_names() -> dict[str, int]:
    """Every full and short day name in Foyer's languages ('jeudi', 'jue', 'alamisa'...)."""
    names: dict[str, int] = {}
    for lang in ("en", "fr", "es", "bm"):
        for width in ("wide", "abbreviated"):
            for index, name in get_day_names(width, locale=lang).items():
                names.setdefault(_fold(name), index)
    for index, short in enumerate(WEEKDAYS):
        names[short] = index
    return names


def parse_weekday(word: str) -> int:
    """A day name in English, French, Spanish or Bambara, full or short -> 0 (Monday)..6."""
    found = _weekday_names().get(_fold(word))
    if found is None:
        raise ScheduleError(f"{word!r}: expected a weekday, like thu or jeudi")
    return found


def parse_weekday_time(text: str) -> tuple[int, time]:
    """'thu 17:00', 'jeudi 17:00', 'jueves 17:00' -> (3, 17:00)."""
    parts = text.strip().split()
    if len(parts) != 2:
        raise ScheduleError(f"{text!r}: expected a weekday and a time, like 'thu 17:00'")
    try:
        day = parse_weekday(parts[0])
    except ScheduleError:
        raise ScheduleError(f"{text!r}: expected a weekday and a time, like 'thu 17:00'") from None
    return day, parse_time(parts[1])


def parse_time(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise ScheduleError(f"{text!r}: expected a time like 17:00") from None


def parse_timezone(name: str) -> ZoneInfo:
    try:
        if "/" not in name and name != "UTC":
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not an IANA timezone such as Africa/Bamako") from None


def to_utc(local_day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time to UTC.

    fold=0 (PEP 495): a time skipped by spring-forward happens an hour later, as clocks jump;
    a time repeated by fall-back happens at its first occurrence.
    """
    return datetime.combine(local_day, at, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    week: int
    at: datetime  # UTC


@dataclass(frozen=True)
class GroupSchedule:
    timezone: str
    meet_weekday: int
    meet_time: time
    deliver_weekday: int
    deliver_time: time
    starts: date  # local date of the first meeting (week 1)
    weeks: int
    checkin_after_days: int = 3
    postponed_weeks: tuple[int, ...] = field(default_factory=tuple)
    # Meeting-related events; off by default so a bare schedule is just the programme.
    guide_hours_before: int | None = None
    reminders: tuple[EventKind, ...] = ()  # REMINDER_24H and/or REMINDER_1H
    session_ask: bool = False
    weekly_summary: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def meeting_day(self, week: int) -> date:
        """Local date of week N's meeting; each postponement at or before N shifts it a week."""
        shift = sum(1 for p in self.postponed_weeks if p <= week)
        return self.starts + timedelta(weeks=week - 1 + shift)

    def meeting_at(self, week: int) -> datetime:
        return to_utc(self.meeting_day(week), self.meet_time, self.tz)

    def delivery_day(self, week: int) -> date:
        """The first delivery weekday after the meeting (the same day if delivery is later)."""
        meet = self.meeting_day(week)
        ahead = (self.deliver_weekday - meet.weekday()) % 7
        if ahead == 0 and self.deliver_time <= self.meet_time:
            ahead = 7
        return meet + timedelta(days=ahead)

    def delivery_at(self, week: int) -> datetime:
        return to_utc(self.delivery_day(week), self.deliver_time, self.tz)

    def checkin_at(self, week: int) -> datetime:
        day = self.delivery_day(week) + timedelta(days=self.checkin_after_days)
        return to_utc(day, self.deliver_time, self.tz)

    def events(self) -> list[Event]:
        out: list[Event] = []
        for week in range(1, self.weeks + 1):
            out.append(Event(EventKind.PROMPT, week, self.delivery_at(week)))
            out.append(Event(EventKind.CHECKIN, week, self.checkin_at(week)))
            out.extend(self._meeting_events(week))
        out.sort(key=lambda e: (e.at, e.week))
        return out

    def _meeting_events(self, week: int) -> list[Event]:
        meeting = self.meeting_at(week)
        out: list[Event] = []
        if self.guide_hours_before is not None:
            out.append(
                Event(EventKind.GUIDE, week, meeting - timedelta(hours=self.guide_hours_before))
            )
        before = {
            EventKind.REMINDER_24H: timedelta(hours=24),
            EventKind.REMINDER_1H: timedelta(hours=1),
        }
        out.extend(Event(kind, week, meeting - before[kind]) for kind in self.reminders)
        if self.session_ask:
            out.append(Event(EventKind.SESSION_ASK, week, meeting + SESSION_ASK_AFTER))
        if self.weekly_summary:
            out.append(
                Event(EventKind.SUMMARY, week, self.checkin_at(week) + SUMMARY_AFTER_CHECKIN)
            )
        return out

    def next_meeting_week(self, now: datetime) -> int | None:
        """The first week whose meeting is still ahead."""
        return next((w for w in range(1, self.weeks + 1) if self.meeting_at(w) > now), None)

    def last_meeting_week(self, now: datetime) -> int:
        """The latest week whose meeting has started (0 before the first)."""
        return max((w for w in range(1, self.weeks + 1) if self.meeting_at(w) <= now), default=0)

    def events_between(self, after: datetime, until: datetime) -> list[Event]:
        """Events with after < at <= until."""
        return [e for e in self.events() if after < e.at <= until]

    def next_event_at(self, after: datetime) -> datetime | None:
        return next((e.at for e in self.events() if e.at > after), None)

    def current_week(self, now: datetime) -> int:
        """The latest week whose prompt is due by now (0 before the first delivery)."""
        week = 0
        for n in range(1, self.weeks + 1):
            if self.delivery_at(n) <= now:
                week = n
            else:
                break
        return week

    def finished(self, now: datetime) -> bool:
        return self.next_event_at(now) is None
