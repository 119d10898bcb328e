"""The sandbox's little language: one line, one thing a person or the clock does.

The same lines are typed in the terminal chat and played from a ``.sandbox`` script, so a
script is a recording of a session. Lines are parsed before anything runs, and a problem is
reported as ``FILE:LINE: problem``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n import _
from bot.sandbox.personas import Persona, parse_persona

_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
_DURATION = re.compile(r"^(?:\d+[wdhm])+$")
_PART = re.compile(r"(\d+)([wdhm])")
MAX_ADVANCE = timedelta(weeks=60)
# ":" then a letter starts a sandbox command; ":)" is only a smile, sent as text.
_LENGTH = re.compile(r"^(?:(?P<min>\d{1,2}):(?=\d\d$))?(?P<sec>\d{1,3})$")
MAX_VOICE_SECONDS = 600
_COMMAND = re.compile(r"^:([A-Za-z][A-Za-z-]*)(?:\s+(.*))?$")


class ScriptError(Exception):
    """A line that cannot be played; ``str()`` is the problem without the place."""


@dataclass(frozen=True)
class As:
    persona: Persona


@dataclass(frozen=True)
class Advance:
    delta: timedelta


@dataclass(frozen=True)
class Now:
    pass


@dataclass(frozen=True)
class Press:
    number: int


@dataclass(frozen=True)
class Say:
    text: str  # a message or a command, exactly as the person would send it


@dataclass(frozen=True)
class Photo:
    caption: str | None


@dataclass(frozen=True)
class Voice:
    seconds: int


@dataclass(frozen=True)
class Join:
    pass


@dataclass(frozen=True)
class Lang:
    code: str


@dataclass(frozen=True)
class Narrate:
    text: str


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Who:
    pass


@dataclass(frozen=True)
class Files:
    pass


@dataclass(frozen=True)
class Quit:
    pass


Action = (
    As
    | Advance
    | Now
    | Press
    | Say
    | Photo
    | Voice
    | Join
    | Lang
    | Narrate
    | Help
    | Who
    | Files
    | Quit
)


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    action: Action


def help_text() -> str:
    """The :help text, in the sandbox's language (the commands themselves stay as they are)."""
    return _(
        """\
Type as the person you play; Foyer answers as it would on Telegram.
  text or /command    sent to Foyer as this person (e.g. /help, /pause, /start {invite})
  a number            presses that button of Foyer's latest message with buttons
                      (typed here, a number no button has is sent as text)
  :as WHO             play someone else: facilitator, member 2, partner, admin, focal,
                      recorder (records the programme in a language; an admin approves)
  :join               this person joins the demo group (the whole join dialogue, quickly)
  :next-week          move Foyer's clock one week on (messages arrive as time passes)
  :advance 3d         move the clock: w weeks, d days, h hours, m minutes (e.g. 1d12h)
  :now                the simulated time where the group meets
  :photo [caption]    send a photo;  :voice [0:42]  send a voice note that long
  :say TEXT           send TEXT even if it looks like a number or a :command
  :lang fr            Telegram language of people who appear from now on (en fr es bm)
  :files              the files Foyer sent (charts, CSV, /mydata), saved on this computer
  :who                who is who;  :help  this help;  :quit  leave (or Ctrl-D)
In what you type, {invite} is replaced by the demo group's invite code: /start {invite} is
what a man's phone sends when he opens the group's invite link. {link} is replaced by the
code of the latest invite link Foyer sent (a partner's invitation, say). In scripts, # starts
a comment and ## a comment printed as narration."""
    )


def parse_duration(text: str) -> timedelta:
    raw = text.strip().lower().replace(" ", "")
    if not _DURATION.match(raw):
        raise ScriptError(
            f"bad time {text.strip()!r}: use a number and a unit, e.g. 3d, 2h, 30m, 1w or 1d12h"
        )
    delta = sum((int(n) * _UNITS[u] for n, u in _PART.findall(raw)), timedelta())
    if delta <= timedelta(0):
        raise ScriptError(f"bad time {text.strip()!r}: time only moves forward")
    if delta > MAX_ADVANCE:
        raise ScriptError(f"bad time {text.strip()!r}: at most 60 weeks at once")
    return delta


def parse_length(text: str) -> int:
    """A voice note's length: seconds (42) or m:ss (0:42), from 1 s to 10 minutes."""
    m = _LENGTH.match(text)
    seconds = (int(m["min"] or 0) * 60 + int(m["sec"])) if m else 0
    if not 1 <= seconds <= MAX_VOICE_SECONDS:
        raise ScriptError(
            f"bad voice note length {text!r}: give seconds (42) or minutes:seconds (0:42), "
            "from 1 second to 10:00"
        )
    return seconds


def parse_line(text: str) -> Action | None:
    """One line as an action; None for a blank line or a silent comment."""
    line = text.strip()
    if not line or (line.startswith("#") and not line.startswith("##")):
        return None
    if line.startswith("##"):
        return Narrate(line.lstrip("#").strip())
    if line.isdigit():
        return Press(int(line))
    m = _COMMAND.match(line)
    if m is None:
        return Say(line)
    name, arg = m.group(1).lower(), (m.group(2) or "").strip()
    return _command(name, arg)


def _command(name: str, arg: str) -> Action:
    if name == "as":
        try:
            return As(parse_persona(arg))
        except ValueError as exc:
            raise ScriptError(str(exc)) from None
    if name == "advance":
        return Advance(parse_duration(arg))
    if name == "say":
        if not arg:
            raise ScriptError(":say needs the text to send")
        return Say(arg)
    if name == "photo":
        return Photo(arg or None)
    if name == "voice":
        return Voice(parse_length(arg) if arg else 5)
    if name == "lang":
        if arg not in SUPPORTED_LANGUAGES:
            raise ScriptError(f"bad language {arg!r}: use one of {', '.join(SUPPORTED_LANGUAGES)}")
        return Lang(arg)
    simple: dict[str, Action] = {
        "next-week": Advance(timedelta(weeks=1)),
        "now": Now(),
        "join": Join(),
        "help": Help(),
        "who": Who(),
        "files": Files(),
        "quit": Quit(),
        "exit": Quit(),
    }
    if name not in simple:
        raise ScriptError(f"unknown command :{name} (type :help for the list)")
    if arg:
        raise ScriptError(f":{name} takes nothing after it")
    return simple[name]


def load_script(path: Path) -> list[Line]:
    """Every playable line of the file; the first bad line raises ScriptError with its place."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot read ({type(exc).__name__})") from None
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            action = parse_line(raw)
        except ScriptError as exc:
            raise ScriptError(f"{path}:{number}: {exc}") from None
        if action is not None:
            lines.append(Line(number, raw.strip(), action))
    return lines
