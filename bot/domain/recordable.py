"""What can be recorded: the keys of a curriculum's items in one language, and of Foyer's own
screens. One list for coverage (`foyer content audio list`, `stats`) and the import's check
that a file names something this deployment has."""

from __future__ import annotations

from bot.domain.audio import FOYER_ITEMS, AudioItem, AudioKey
from bot.domain.curriculum import Curriculum, Week

# The folder of an export that holds Foyer's own screens (a curriculum's are in a folder named
# by its id). Files are known by their names alone, so a folder never decides a key.
FOYER_FOLDER = "foyer"


def _week_items(week: Week) -> list[AudioItem]:
    present = {
        AudioItem.PROMPT: week.prompt is not None,
        AudioItem.CHECKIN: week.checkin is not None,
        AudioItem.TIP: week.tip is not None,
        AudioItem.COUPLES: week.couples_exercise is not None,
    }
    return [item for item, there in present.items() if there]


def curriculum_keys(cur: Curriculum, language: str) -> list[AudioKey]:
    """The code of conduct, then each week's items, in the order members meet them."""
    keys = [AudioKey(cur.id, 0, AudioItem.CONDUCT, language)]
    for week in sorted(cur.week, key=lambda w: w.number):
        keys += [AudioKey(cur.id, week.number, item, language) for item in _week_items(week)]
    return keys


def foyer_keys(language: str, *, falls_back: bool) -> list[AudioKey]:
    """Foyer's own screens: the consent, and the notice about written messages for a language
    whose readers see another language's text (``falls_back``)."""
    return [
        AudioKey("", 0, item, language)
        for item in FOYER_ITEMS
        if item is not AudioItem.LANGUAGE_NOTICE or falls_back
    ]


def folder_of(key: AudioKey) -> str:
    """The folder of an export the key's file goes in: its curriculum's id, or foyer/."""
    return key.curriculum or FOYER_FOLDER
