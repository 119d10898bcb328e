"""The symbol beside a member-facing button's word, so a man who reads little can still tell
yes from no, and listening from pausing.

The symbol stays outside the translatable words (`label(YES, _("Done"))`): catalogs never
change for it, and every language shows the same one. One place for the whole vocabulary.
"""

from __future__ import annotations

YES = "✅"  # yes, done, I agree, I accept
NO = "❌"  # no, cancel, decline
LISTEN = "🔊"
READ = "📖"
BOTH = READ + LISTEN
PAUSE = "⏸"
PARTLY = "🌓"
NOT_YET = "⏳"
HARD = "😟"
NUMBER = "🔢"  # shown as a number, not by name
DISCREET = "🔒"
NOT_DISCREET = "🔓"
SILENT = "🔕"
SOUND = "🔔"
ERASE = "🗑"
NEVER = "♾"
TIME = "⏱"
LANGUAGE = "🗣"
PROGRESS = "📊"
HELP = "❓"
PERSON = "🙋"  # talk to a person, give my name
ANONYMOUS = "👤"
GROUP = "👥"
PROGRAMME = "📘"
FEEDBACK = "💬"
COMPLAINT = "⚠️"
SETTINGS = "⚙️"


def label(symbol: str, words: str) -> str:
    """A button's label: the symbol, then the (translated) words."""
    return f"{symbol} {words}"


def words_of(text: str) -> str:
    """The words of a label without its symbol (a label with none is all words)."""
    head, sep, rest = text.partition(" ")
    if sep and head and not any(ch.isalnum() for ch in head):
        return rest
    return text
