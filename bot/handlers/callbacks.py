"""Button data: short ASCII, well under Telegram's 64 bytes, parsed strictly.

Anything that does not match exactly (forged, truncated, from an older version) parses to None
and is answered kindly without changing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.buttons.staff import SessionHeld
from bot.domain.languages import SUPPORTED_LANGUAGES

_LANG = "|".join(SUPPORTED_LANGUAGES)
_CODE = r"[A-Za-z0-9_-]{1,32}"

CHECKIN_CODES = {"done": "d", "partly": "p", "notyet": "n"}
_CHECKIN_VALUES = {v: k for k, v in CHECKIN_CODES.items()}


@dataclass(frozen=True)
class JoinStep:
    step: str  # lang | consent | optin | name | accept | decline
    code: str
    lang: str
    opt_in: bool = False
    show_name: bool = False
    discreet: bool = False


_JOIN = re.compile(
    rf"^j(?P<s>[lcpnax]):(?P<code>{_CODE})?:(?P<lang>{_LANG})"
    r"(?::(?P<o>[01]))?(?::(?P<n>[01]))?(?::(?P<d>[01]))?$"
)
_STEPS = {"l": "lang", "c": "consent", "p": "optin", "n": "name", "a": "accept", "x": "decline"}
# accept carries a third flag, discreet mode, chosen on the same screen (2 flags: not discreet).
_ARITY = {"l": {0}, "c": {0}, "p": {1}, "n": {2}, "a": {2, 3}, "x": {0}}


def join_data(
    step: str,
    code: str,
    lang: str,
    opt_in: bool | None = None,
    show_name: bool | None = None,
    discreet: bool | None = None,
) -> str:
    letter = next(k for k, v in _STEPS.items() if v == step)
    parts = [f"j{letter}", code, lang]
    parts += [str(int(b)) for b in (opt_in, show_name, discreet) if b is not None]
    return ":".join(parts)


def parse_join(data: str) -> JoinStep | None:
    m = _JOIN.match(data)
    if not m:
        return None
    letter = m["s"]
    flags = [f for f in (m["o"], m["n"], m["d"]) if f is not None]
    if len(flags) not in _ARITY[letter] or (letter != "x" and not m["code"]):
        return None
    return JoinStep(
        step=_STEPS[letter],
        code=m["code"] or "",
        lang=m["lang"],
        opt_in=m["o"] == "1",
        show_name=m["n"] == "1",
        discreet=m["d"] == "1",
    )


@dataclass(frozen=True)
class CheckinAnswer:
    membership_id: int
    week: int
    value: str


_CHECKIN = re.compile(r"^ci:(\d{1,10}):(\d{1,2}):([dpn])$")


def checkin_data(membership_id: int, week: int, value: str) -> str:
    return f"ci:{membership_id}:{week}:{CHECKIN_CODES[value]}"


def parse_checkin(data: str) -> CheckinAnswer | None:
    m = _CHECKIN.match(data)
    if not m:
        return None
    return CheckinAnswer(int(m[1]), int(m[2]), _CHECKIN_VALUES[m[3]])


_SIMPLE = {
    "lang": re.compile(rf"^lang:({_LANG})$"),
    "pause": re.compile(r"^pz:([0-4])$"),
    "stop": re.compile(r"^st:([yn])$"),
    "menu": re.compile(r"^mm:(progress|pause|help)$"),  # a member's command, as a button
}
PREFIX = {"lang": "lang", "pause": "pz", "stop": "st", "menu": "mm"}


def simple_data(kind: str, value: str | int) -> str:
    return f"{PREFIX[kind]}:{value}"


def parse_simple(kind: str, data: str) -> str | None:
    m = _SIMPLE[kind].match(data)
    return m[1] if m else None


_COUPLES_CHECKIN = re.compile(r"^cc:(\d{1,10}):(\d{1,2}):([dnh])$")
_COUPLES_CODES = {"done": "d", "notyet": "n", "hard": "h"}
_COUPLES_VALUES = {v: k for k, v in _COUPLES_CODES.items()}


def couples_checkin_data(membership_id: int, week: int, value: str) -> str:
    return f"cc:{membership_id}:{week}:{_COUPLES_CODES[value]}"


def parse_couples_checkin(data: str) -> CheckinAnswer | None:
    m = _COUPLES_CHECKIN.match(data)
    if not m:
        return None
    return CheckinAnswer(int(m[1]), int(m[2]), _COUPLES_VALUES[m[3]])


@dataclass(frozen=True)
class PartnerStep:
    step: str  # lang | accept | decline
    code: str
    lang: str


_PARTNER = re.compile(rf"^p(?P<s>[lax]):(?P<code>{_CODE})?:(?P<lang>{_LANG})$")
_PARTNER_STEPS = {"l": "lang", "a": "accept", "x": "decline"}


def partner_data(step: str, code: str, lang: str) -> str:
    letter = next(k for k, v in _PARTNER_STEPS.items() if v == step)
    return f"p{letter}:{code}:{lang}"


def parse_partner(data: str) -> PartnerStep | None:
    m = _PARTNER.match(data)
    if not m or (m["s"] != "x" and not m["code"]):
        return None
    return PartnerStep(_PARTNER_STEPS[m["s"]], m["code"] or "", m["lang"])


# --- facilitators (their families are in bot/domain/buttons/staff.py) -------------------------


def session_held_data(group_id: int, week: int, held: bool) -> str:
    """The session log's first question (delivery/kinds/facilitator.py sends it)."""
    return SessionHeld(group_id, week, held).pack()


# Safety and privacy buttons (prefix z). Nothing a person typed ever rides in button data.
# zh: help (t = offer a person, y = agree to be contacted, n = not now)
# zd: distress check (y = yes, you understood me, n = no, carry on)
# zc: concern dialogue, one letter per answer: kind (f feedback, c complaint), about
#     (f facilitator, m member, p programme), anonymous (1) or named (0); x = cancel
# zf: a focal point's action on a concern: o open (read it), r received, c closed, a answer
# zs: settings: d discreet, s silent (0/1), e auto-erase hours (0 = off), m erase menu
# zx: forget me (y confirm, n cancel)
_SAFETY = {
    "help": re.compile(r"^zh:([tyn])$"),
    "distress": re.compile(r"^zd:([yn])$"),
    "concern": re.compile(r"^zc:(x|[fc](?:[fmp][01]?)?)$"),
    "focal": re.compile(r"^zf:([orca]):(\d{1,10})$"),
    "settings": re.compile(r"^zs:(m|[ds]:[01]|e:\d{1,2})$"),
    "forget": re.compile(r"^zx:([yn])$"),
}
_SAFETY_PREFIX = {
    "help": "zh",
    "distress": "zd",
    "concern": "zc",
    "focal": "zf",
    "settings": "zs",
    "forget": "zx",
}


def safety_data(kind: str, *parts: str | int) -> str:
    return ":".join([_SAFETY_PREFIX[kind], *(str(p) for p in parts)])


def parse_safety(kind: str, data: str) -> str | None:
    """The value after the prefix (e.g. "a:12" for focal), or None for anything else."""
    m = _SAFETY[kind].match(data)
    return data.split(":", 1)[1] if m else None


# Patterns for CallbackQueryHandler routing (strict parsing happens in the handler).
ROUTES = {
    "join": r"^j[lcpnax]:",
    "checkin": r"^ci:",
    "lang": r"^lang:",
    "pause": r"^pz:",
    "stop": r"^st:",
    "menu": r"^mm:",
    "couples_checkin": r"^cc:",
    "partner": r"^p[lax]:",
    "safety_help": r"^zh:",
    "distress": r"^zd:",
    "concern": r"^zc:",
    "focal": r"^zf:",
    "settings": r"^zs:",
    "forget": r"^zx:",
}
