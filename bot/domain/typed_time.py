"""A moment typed by a facilitator, in their language's usual forms: "18:30", "6:30 pm",
"18h30", "demain 9h", "mañana 9:00", "thu 17:00", "jeudi 18h". Pure: no Telegram, no SQL.

A time alone means its next occurrence; a day word (today, tomorrow, a weekday) fixes the day.
Everything is read in the group's timezone and returned in UTC.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.domain.schedule import to_utc

# Today and tomorrow in each language Foyer speaks (folded: lower case, no accents).
_TODAY = {"today", "tonight", "aujourd'hui", "aujourdhui", "ce soir", "hoy", "esta noche", "bi"}
_TOMORROW = {"tomorrow", "demain", "manana", "sini"}
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:\s*(?::|h|\.)\s*(?P<m>\d{2})?)?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$"
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower().replace("’", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _weekdays(lang: str) -> dict[str, int]:
    """Weekday names, full and abbreviated, in the person's language and in English."""
    found: dict[str, int] = {}
    for locale in dict.fromkeys((lang, "en")):
        for width in ("wide", "abbreviated"):
            for number, name in get_day_names(width, locale=locale).items():
                found[_fold(str(name)).rstrip(".")] = int(number)
    return found


def _clock(text: str) -> time | None:
    m = _TIME.match(text)
    if m is None:
        return None
    hour, minute = int(m["h"]), int(m["m"] or 0)
    ampm = (m["ampm"] or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_moment(text: str, now: datetime, timezone: str, lang: str) -> datetime | None:
    """The moment (UTC) the text names, or None when it is not a day and time Foyer reads."""
    folded = _fold(text)
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    day: date | None = None
    for words, offset in ((_TOMORROW, 1), (_TODAY, 0)):
        word = next((w for w in sorted(words, key=len, reverse=True) if _has_word(folded, w)), None)
        if word is not None:
            day = today + timedelta(days=offset)
            folded = folded.removeprefix(word).removesuffix(word).strip()
            break
    weekday_named = False
    if day is None and " " in folded:
        first, rest = folded.split(" ", 1)
        weekday = _weekdays(lang).get(first.rstrip(".,"))
        if weekday is not None:
            day = today + timedelta(days=(weekday - today.weekday()) % 7)
            folded, weekday_named = rest.strip(), True
    for joint in ("at ", "a ", "vers ", "las ", "la "):
        folded = folded.removeprefix(joint)
    at = _clock(folded.strip())
    if at is None:
        return None
    if day is None:  # a time alone: its next occurrence
        moment = to_utc(today, at, tz)
        return moment if moment > now else to_utc(today + timedelta(days=1), at, tz)
    moment = to_utc(day, at, tz)
    if weekday_named and moment <= now:  # "thu 17:00" typed on Thursday evening
        moment = to_utc(day + timedelta(weeks=1), at, tz)
    return moment


def _has_word(text: str, word: str) -> bool:
    return text.startswith(word + " ") or text.endswith(" " + word)
