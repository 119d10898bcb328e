"""Babel extractor for curriculum TOML files (gettext domain ``content``).

``pybabel extract -F babel-content.cfg`` calls :func:`extract_curriculum` for every file in
``conversations/``. Each translatable string becomes one catalog entry whose msgctxt is the
key from :func:`bot.domain.curriculum.context_key` (``men-groups-12:w3:prompt``) and whose
msgid is the English source text, exactly as the bot looks it up with ``pgettext``.

The file is validated with the same schema the bot uses, so a curriculum the bot would refuse
cannot be extracted either.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from pydantic import ValidationError

from bot.domain.curriculum import (
    MESSAGE_GUIDELINE,
    TEXT_LIMIT,
    Curriculum,
    CurriculumError,
    translatable_strings,
)

# Babel maps this keyword to the spec ((1, "c"), 2): first element msgctxt, second msgid.
FUNCNAME = "pgettext"

# The contexts whose text may be longer than the 600-character rule (schema LongText).
_LONG_FIELDS = ("code_of_conduct",)


def _needle(message: str) -> str:
    """A piece of the text's first line that is written the same way in the TOML source.

    Stops before characters TOML may escape (quotes, backslashes) so the piece can be found
    verbatim in the file.
    """
    first = message.strip().split("\n", 1)[0]
    piece = []
    for ch in first:
        if ch in '"\\\t':
            break
        piece.append(ch)
    return "".join(piece)[:60].strip()


class _LineFinder:
    """Finds the line of each string, scanning forward in reading order (1-based lines)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.pos = 0

    def find(self, message: str) -> int:
        needle = _needle(message)
        if len(needle) < 3:
            return 0
        for start, stop in ((self.pos, len(self.lines)), (0, self.pos)):
            for i in range(start, stop):
                if needle in self.lines[i]:
                    self.pos = i
                    return i + 1
        return 0


_WHAT = {
    "title": "Name of the programme",
    "code_of_conduct": "Group code of conduct, shown before joining; keep the line breaks",
    "theme": "Theme of the week, shown as the heading of the week's message",
    "prompt": "Reflection prompt sent to each participant",
    "challenge": "The week's challenge, sent with the prompt",
    "checkin": "Check-in question sent a few days later; answers: Done / Partly / Not yet",
    "tip": "Tip sent to those who answer Partly or Not yet",
    "session_plan.opening": "Facilitator's guide: opening check-in",
    "session_plan.activity.title": "Facilitator's guide: title of the activity",
    "session_plan.activity.steps": "Facilitator's guide: activity step",
    "session_plan.questions": "Facilitator's guide: discussion question",
    "session_plan.closing": "Facilitator's guide: closing",
    "session_plan.take_home": "Facilitator's guide: the challenge to take home",
    "couples_exercise.title": "Couples exercise (done face to face): title",
    "couples_exercise.steps": "Couples exercise (done face to face): step",
}


def _comments(context: str, message: str) -> list[str]:
    """Translator notes: where the text appears and how long it may be."""
    field = context.rsplit(":", 1)[-1]
    number = ""
    head, _, tail = field.rpartition(".")
    if head and tail.isdigit():
        field, number = head, f" {tail}"
    what = _WHAT.get(field, field) + number
    limit = TEXT_LIMIT if field in _LONG_FIELDS else MESSAGE_GUIDELINE
    notes = [f"{what}. At most {limit} characters."]
    if "<" in message:
        notes.append("Keep the tags <b> </b> <i> </i> exactly as they are.")
    return notes


def extract_curriculum(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Yield ``(lineno, "pgettext", (msgctxt, msgid), comments)`` for one curriculum file."""
    name = getattr(fileobj, "name", "<curriculum>")
    encoding = options.get("encoding", "utf-8") if options else "utf-8"
    try:
        text = fileobj.read().decode(encoding)
        raw = tomllib.loads(text)
        cur = Curriculum.model_validate(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CurriculumError(f"{name}:-:-: cannot read: {exc}") from None
    except ValidationError as exc:
        raise CurriculumError(f"{name}:-:-: not a valid curriculum:\n{exc}") from None
    if keywords and FUNCNAME not in keywords:
        raise CurriculumError(
            f"{name}: the {FUNCNAME!r} keyword is needed; do not use --no-default-keywords"
        )
    lines = _LineFinder(text)
    for context, message in translatable_strings(cur):
        yield lines.find(message), FUNCNAME, (context, message), _comments(context, message)


def staff_context(stem: str) -> str:
    """'facilitators-code-of-conduct' -> 'staff:facilitators_code_of_conduct'."""
    return "staff:" + stem.replace("-", "_")


def extract_staff_text(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Yield the one ``text`` of a staff file (conversations/staff/*.toml), e.g. the facilitators'
    code of conduct, under the context ``staff:<file stem with underscores>``."""
    name = getattr(fileobj, "name", "<staff>")
    raw = tomllib.loads(fileobj.read().decode("utf-8"))
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CurriculumError(f"{name}:-:text: a non-empty text is needed")
    stem = name.rsplit("/", 1)[-1].removesuffix(".toml")
    yield 1, FUNCNAME, (staff_context(stem), text.strip()), ["Shown to every new facilitator."]


def staff_strings(root: Any) -> list[tuple[str, str]]:
    """(context, text) of every staff file under a conversations folder (for checks and tests)."""
    out = []
    for path in sorted(root.glob("staff/*.toml")):
        with path.open("rb") as fh:
            for _line, _func, (context, text), _notes in extract_staff_text(fh, (), (), {}):
                out.append((context, text))
    return out
