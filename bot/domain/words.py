"""Plain words that work like commands, for people who do not type slashes.

Any of these words works whatever the person's language: a shared phone may be set to another.
The Bambara words still need a native speaker's review (see docs/translations.md).
"""

from __future__ import annotations

import string
import unicodedata

COMMAND_WORDS: dict[str, frozenset[str]] = {
    "help": frozenset({"help", "aide", "aidez-moi", "ayuda", "socorro", "deme", "dɛmɛ"}),
    "stop": frozenset({"stop", "arret", "arrêt", "arreter", "parar", "alto", "dabila"}),
    "pause": frozenset({"pause", "pausa", "lafiɲɛ", "lafinye"}),
    "resume": frozenset({"resume", "reprendre", "continuer", "continuar", "seginka"}),
    "language": frozenset({"language", "langue", "idioma", "kan"}),
    "progress": frozenset({"progress", "progres", "progrès", "progreso", "taa", "taama"}),
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.strip(string.punctuation + " ¡¿")


_INDEX: dict[str, str] = {_fold(w): cmd for cmd, words in COMMAND_WORDS.items() for w in words}


def command_for_word(text: str) -> str | None:
    """'ARRÊT' -> 'stop'; a whole message of one known word only, so sentences never trigger."""
    if len(text) > 40:
        return None
    return _INDEX.get(_fold(text))
