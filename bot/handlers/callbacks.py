"""Button data: short ASCII, well under Telegram's 64 bytes, parsed strictly.

Anything that does not match exactly (forged, truncated, from an older version) parses to None
and is answered kindly without changing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = r"[A-Za-z0-9_-]{1,32}"

CHECKIN_CODES = {"done": "d", "partly": "p", "notyet": "n"}


def checkin_data(membership_id: int, week: int, value: str) -> str:
    return f"ci:{membership_id}:{week}:{CHECKIN_CODES[value]}"


_COUPLES_CODES = {"done": "d", "notyet": "n", "hard": "h"}


def couples_checkin_data(membership_id: int, week: int, value: str) -> str:
    return f"cc:{membership_id}:{week}:{_COUPLES_CODES[value]}"


# --- facilitators --------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupAction:
    group_id: int
    action: str
    arg: int | None = None


# Per-group actions of a facilitator: fg:<group>:<action>[:<number>].
GROUP_ACTIONS = (
    "m",  # the group's menu
    "i", "ir", "iry", "ix", "ixy",  # invite link: show, renew (ask, yes), revoke (ask, yes)
    "p", "py",  # postpone one week (ask, yes)
    "z", "zy", "r",  # pause (ask, yes), resume
    "l", "d", "dy",  # members: list, remove (ask, yes) with the membership id
    "t",  # toggle a setting: 0 reminder 24 h, 1 reminder 1 h, 2 weekly summary
    "s", "sm", "sd",  # schedule: menu, new meeting time, new delivery time
    "gh",  # the discussion guide's lead time, in hours (one of GUIDE_HOURS)
    "k",  # link the group's Telegram chat
    "rp", "ex",  # report, export
    "pi", "pm",  # partner invitations: choose the member, make the link for his partner
)  # fmt: skip
_GROUP_ACTION = re.compile(r"^fg:(\d{1,9}):([a-z]{1,3})(?::(\d{1,10}))?$")
_WITH_ARG = {"d": True, "dy": True, "t": True, "pm": True, "gh": True}
GUIDE_HOURS = (2, 24, 48)


def group_action_data(group_id: int, action: str, arg: int | None = None) -> str:
    assert action in GROUP_ACTIONS
    return f"fg:{group_id}:{action}" + (f":{arg}" if arg is not None else "")


def parse_group_action(data: str) -> GroupAction | None:
    m = _GROUP_ACTION.match(data)
    if not m or m[2] not in GROUP_ACTIONS or _WITH_ARG.get(m[2], False) != (m[3] is not None):
        return None
    if m[2] == "t" and m[3] not in ("0", "1", "2"):
        return None
    if m[2] == "gh" and int(m[3]) not in GUIDE_HOURS:
        return None
    return GroupAction(int(m[1]), m[2], int(m[3]) if m[3] is not None else None)


# The facilitators' code of conduct: fc:<invite code>:a (accept) or :x (decline).
_CONDUCT = re.compile(rf"^fc:({_CODE}):([ax])$")


def conduct_data(code: str, accept: bool) -> str:
    return f"fc:{code}:{'a' if accept else 'x'}"


def parse_conduct(data: str) -> tuple[str, bool] | None:
    m = _CONDUCT.match(data)
    return (m[1], m[2] == "a") if m else None


# An admin's facilitator invitation for a group (0: no group yet).
_ADMIN_INVITE = re.compile(r"^fi:(\d{1,9})$")


def admin_invite_data(group_id: int | None) -> str:
    return f"fi:{group_id or 0}"


def parse_admin_invite(data: str) -> int | None:
    """The group id, 0 for none; None when the data is not valid."""
    m = _ADMIN_INVITE.match(data)
    return int(m[1]) if m else None


@dataclass(frozen=True)
class SessionAnswer:
    group_id: int
    week: int
    held: bool | None  # sl: did it happen (y/n); None for an attendance count
    attendance: int | None = None
    confirmed: bool = False  # an unusual count the facilitator said is right (:c)


_SESSION_HELD = re.compile(r"^sl:(\d{1,9}):(\d{1,2}):([yn])$")
_SESSION_COUNT = re.compile(r"^sn:(\d{1,9}):(\d{1,2}):(\d{1,3})(:c)?$")


def session_held_data(group_id: int, week: int, held: bool) -> str:
    return f"sl:{group_id}:{week}:{'y' if held else 'n'}"


def session_count_data(group_id: int, week: int, attendance: int, confirmed: bool = False) -> str:
    return f"sn:{group_id}:{week}:{attendance}" + (":c" if confirmed else "")


def parse_session(data: str) -> SessionAnswer | None:
    if m := _SESSION_HELD.match(data):
        return SessionAnswer(int(m[1]), int(m[2]), m[3] == "y")
    if m := _SESSION_COUNT.match(data):
        return SessionAnswer(int(m[1]), int(m[2]), None, int(m[3]), m[4] is not None)
    return None


_BROADCAST = re.compile(r"^bc:(\d{1,10}):([yn])$")


def broadcast_data(broadcast_id: int, send: bool) -> str:
    return f"bc:{broadcast_id}:{'y' if send else 'n'}"


def parse_broadcast(data: str) -> tuple[int, bool] | None:
    m = _BROADCAST.match(data)
    return (int(m[1]), m[2] == "y") if m else None


# Choosing the group for /broadcast (b), /remind (r), /report (p), /export (e).
PICK_PURPOSES = ("b", "r", "p", "e")
_PICK = re.compile(r"^pk:([brpe]):(\d{1,9})$")


def pick_data(purpose: str, group_id: int) -> str:
    assert purpose in PICK_PURPOSES
    return f"pk:{purpose}:{group_id}"


def parse_pick(data: str) -> tuple[str, int] | None:
    m = _PICK.match(data)
    return (m[1], int(m[2])) if m else None


# When a one-off reminder goes out: in an hour, this evening, tomorrow morning, 3 h before.
REMIND_WHEN = ("h1", "ev", "tm", "mb")
_REMIND = re.compile(r"^rw:(\d{1,9}):(h1|ev|tm|mb)$")


def remind_data(group_id: int, when: str) -> str:
    assert when in REMIND_WHEN
    return f"rw:{group_id}:{when}"


def parse_remind(data: str) -> tuple[int, str] | None:
    m = _REMIND.match(data)
    return (int(m[1]), m[2]) if m else None


# Export ranges: everything, the last 4 weeks, the last 12 weeks.
EXPORT_RANGES = ("all", "4w", "12w")
_EXPORT = re.compile(r"^ex:(\d{1,9}):(all|4w|12w)$")


def export_data(group_id: int, span: str) -> str:
    assert span in EXPORT_RANGES
    return f"ex:{group_id}:{span}"


def parse_export(data: str) -> tuple[int, str] | None:
    m = _EXPORT.match(data)
    return (int(m[1]), m[2]) if m else None


# The /newgroup wizard's buttons: nw:<step>:<value>.
_WIZARD = re.compile(r"^nw:([a-z]{1,3}):([A-Za-z0-9_/+-]{1,40})$")


def wizard_data(step: str, value: str | int) -> str:
    data = f"nw:{step}:{value}"
    assert _WIZARD.match(data), data
    return data


def parse_wizard(data: str) -> tuple[str, str] | None:
    m = _WIZARD.match(data)
    return (m[1], m[2]) if m else None


# Safety and privacy buttons (prefix z), as the delivery kinds still make them; the families in
# bot/domain/buttons/safety.py say what each means and are what handlers unpack.
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


# Partner invitations made by staff: kg:<group> (choose the member), km:<group>:<membership>;
# a partner contact's own registration: kc:<code> (accept), kx (decline).
_STAFF_PARTNER = re.compile(r"^k(?:g:(\d{1,9})|m:(\d{1,9}):(\d{1,10}))$")
_CONTACT = re.compile(rf"^k(?:c:({_CODE})|x)$")


def staff_partner_data(group_id: int, membership_id: int | None = None) -> str:
    return f"kg:{group_id}" if membership_id is None else f"km:{group_id}:{membership_id}"


def parse_staff_partner(data: str) -> tuple[int, int | None] | None:
    m = _STAFF_PARTNER.match(data)
    if not m:
        return None
    if m[1] is not None:
        return int(m[1]), None
    return int(m[2]), int(m[3])


def contact_data(code: str | None) -> str:
    return f"kc:{code}" if code else "kx"


def parse_contact(data: str) -> str | None:
    """The code to accept, "" to decline, None for anything else."""
    m = _CONTACT.match(data)
    if not m:
        return None
    return m[1] or ""


# Pages of long lists: pg:<list>:<page>[:<group>], the page counted from 0. Lists: g (/groups),
# b r p e (the group to choose for /broadcast, /remind, /report, /export), m (a group's
# members), i (whose partner to invite, from the group menu), s and t (/partnerinvite: the
# group, then the member), f (/newfacilitator: the group).
PAGED_LISTS = "gbrpemistf"
_LISTS_OF_A_GROUP = "mit"
_PAGE = re.compile(r"^pg:([a-z]):(\d{1,4})(?::(\d{1,9}))?$")


@dataclass(frozen=True)
class PageRequest:
    list_code: str
    page: int
    group_id: int | None = None


def page_data(list_code: str, page: int, group_id: int | None = None) -> str:
    assert list_code in PAGED_LISTS and (group_id is not None) == (list_code in _LISTS_OF_A_GROUP)
    return f"pg:{list_code}:{page}" + (f":{group_id}" if group_id is not None else "")


def parse_page(data: str) -> PageRequest | None:
    m = _PAGE.match(data)
    if not m or m[1] not in PAGED_LISTS or (m[3] is not None) != (m[1] in _LISTS_OF_A_GROUP):
        return None
    return PageRequest(m[1], int(m[2]), int(m[3]) if m[3] is not None else None)


# Patterns for CallbackQueryHandler routing (strict parsing happens in the handler).
ROUTES = {
    "staff_partner": r"^k[gm]:",
    "contact": r"^k[cx]",
    "fac_group": r"^fg:",
    "fac_conduct": r"^fc:",
    "fac_admin_invite": r"^fi:",
    "fac_session": r"^s[ln]:",
    "fac_broadcast": r"^bc:",
    "fac_pick": r"^pk:",
    "fac_remind": r"^rw:",
    "fac_export": r"^ex:",
    "fac_wizard": r"^nw:",
    "page_groups": r"^pg:g:",
    "page_pick": r"^pg:[brpe]:",
    "page_members": r"^pg:[mi]:",
    "page_staff_partner": r"^pg:[st]:",
    "page_admin_invite": r"^pg:f:",
}
