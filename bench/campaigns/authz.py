"""Authorization: every facilitator and admin action, tried by people who may not use it.

    python -m bench.campaigns.authz [--groups 50] [--members 20] [--languages en,fr,es,bm]

The real Application runs over real HTTP against the Bot API emulator, on a seeded SQLite file.
Everything the actions point at is made through the bot: the admin invites group 1's ("Kati
Men") facilitator, who makes a member invite link, a code for /link and two broadcast drafts,
a member raises a concern for the safeguarding focal point, and the admin invites a recorder.
Then every action (each button of the group menu and of the flows it starts, the staff partner
invitations, broadcast send and cancel, the session log, reminders, exports, the admin's
facilitator invitations, the admin's /staff with its lists and the buttons that end a
facilitator's or a recorder's role, the focal point's concern buttons, the group chat's /link,
the codes of conduct, and every facilitator and admin command) is tried by a member of group 1,
a facilitator of group 2 and a stranger, in each language asked for; the admin's and the focal
point's actions also by group 1's facilitator.

A case passes when the answer is the action's kind refusal, the same answer as for a group (or
draft, concern, code) that does not exist, nothing in the database changed (every table, but for
a person's last-seen time and the list of sent messages kept for erasure), no message went to
anyone else, nothing names group 1 or its codes, and no handler error was logged. A command that
another group's facilitator may use for his own groups (/groups, /broadcast...) passes when it
shows nothing of group 1. Last, the rightful person (the facilitator, the admin, the focal point)
does every action once, and must not be refused: a case that refuses everyone proves nothing
(the admin's ending of the facilitator's role comes last, after everything he does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import TOKEN, bench_settings, database_url
from bench.seed import FIRST_USER_ID
from bench.seed import seed as seed_db
from bot import i18n
from bot.app import FoyerApp, build_application, running
from bot.delivery import planner
from bot.domain.buttons import unpack
from bot.domain.buttons.group_actions import (
    GUIDE_HOURS,
    TOGGLE_SETTINGS,
    GroupButton,
    GuideHours,
    LinkGroupChat,
    OfMember,
    RenewInviteConfirmed,
    ToggleSetting,
    group_actions,
)
from bot.domain.buttons.member import ContactRegistration
from bot.domain.buttons.pages import StaffFacilitatorsPage, StaffRecordersPage
from bot.domain.buttons.recording import RecorderConduct
from bot.domain.buttons.safety import ConcernStep, FocalAction
from bot.domain.buttons.staff import (
    EXPORT_RANGES,
    PICKS,
    REMIND_WHEN,
    CancelBroadcast,
    ConductAnswer,
    EndRole,
    ExportWeeks,
    InvitationMembers,
    InviteFacilitator,
    InvitePartnerOf,
    RemindAt,
    SendBroadcast,
    SessionAttendance,
    SessionHeld,
    StaffRole,
    WizardAnswer,
)
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.emulator import BotAPIEmulator
from bot.emulator.models import CallRecord
from bot.handlers.staff_auth import refused_text
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.services import staff_roles
from bot.storage import people, staff, tables
from bot.storage.db import make_engine
from bot.storage.tables import metadata

TARGET, OTHER = 1, 2  # group 1 is attacked; group 2 has the other facilitators
TARGET_NAME = "Kati Men"
MISSING = 987_654  # a group, draft or concern id that does not exist
UNKNOWN_CODE = "Zq7unknownCode42"
ADMIN, FOCAL, FACILITATOR, RECORDER = 900_000_100, 900_000_200, 900_000_300, 900_000_400
FIRST_STRANGER, FIRST_OTHER_FACILITATOR = 900_001_000, 900_002_000
GROUP_CHAT = -100_777_001
# Monday after week 1's meeting: week 1 can be logged, week 2's meeting is ahead. With one hour
# of grace, what the seeded groups were due before now is written as expired, not sent.
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DRAFT_TEXT = "Hello everyone, see you on Thursday."
CONCERN_TEXT = "Something at the last meeting worried me."
SEED_LANGUAGES = ("en", "fr", "es", "bm")  # bench.seed gives member i the language i % 4

ATTACKERS = ("member", "other facilitator", "stranger")
OWN_FACILITATOR = "own facilitator"  # an outsider only to the admin's and focal point's actions
RIGHTFUL = "rightful"
PASSING = ("refused", "own only", "allowed", "n/a")

# Answers that are not the facilitators' refusal, as the bot words them (translated at run time).
STALE = "This button no longer works."
BAD_CHAT_CODE = (
    "This code does not work. The group's facilitator can get a new one in their private chat "
    "with Foyer: /groups, then Link the group chat."
)
BAD_FACILITATOR_INVITE = (
    "This facilitator invitation does not work any more: it was used, it expired or it was "
    "withdrawn. Please ask the programme's coordinator for a new one."
)
NO_COUPLES = "You have no group with couples exercises."

# --- what is tried -------------------------------------------------------------------------------


def group_button_data(group_id: int, membership_id: int) -> list[str]:
    """Every button of a facilitator's group menu and of the flows it starts, for one group:
    the menu's actions (each setting toggle, removal and partner link for ``membership_id``),
    the session log for week 1, the group choice of /broadcast /remind /report /export, the
    reminder times and the export ranges."""
    buttons: list[GroupButton] = []
    for family in group_actions():
        if family is ToggleSetting:
            buttons += [ToggleSetting(group_id, setting) for setting in TOGGLE_SETTINGS]
        elif family is GuideHours:
            buttons += [GuideHours(group_id, hours) for hours in GUIDE_HOURS]
        elif issubclass(family, OfMember):
            buttons.append(family(group_id, membership_id))
        else:
            buttons.append(family(group_id))
    data = [b.pack() for b in buttons]
    data += [SessionHeld(group_id, 1, True).pack(), SessionHeld(group_id, 1, False).pack()]
    data.append(SessionAttendance(group_id, 1, 5).pack())
    # A count past twice the membership is asked again; the answer "yes, that many came".
    data += [SessionAttendance(group_id, 1, 90).pack()]
    data += [SessionAttendance(group_id, 1, 90, confirmed=True).pack()]
    data += [pick(group_id).pack() for pick in PICKS.values()]
    data += [RemindAt(group_id, when).pack() for when in REMIND_WHEN]
    data += [ExportWeeks(group_id, span).pack() for span in EXPORT_RANGES]
    return data


@dataclass(frozen=True)
class Target:
    """What the actions point at, made by the rightful people during set-up."""

    group_id: int
    membership_id: int  # a member of the group other than the attacking members
    broadcast_send: int  # two drafts of the group's facilitator: one to send, one to cancel
    broadcast_cancel: int
    concern_id: int
    concern_reference: str
    member_code: str  # the group's invite link, which every member has
    chat_code: str  # a fresh code for /link in the group chat
    # The roles an admin may end with /staff: group 1's facilitator's and a recorder's, as
    # (staff row, since) of their buttons (bot/domain/buttons/staff.py, EndRole).
    facilitator_role: tuple[int, int] = (0, 0)
    recorder_role: tuple[int, int] = (0, 0)

    def roles(self) -> list[tuple[StaffRole, tuple[int, int]]]:
        return [("f", self.facilitator_role), ("r", self.recorder_role)]

    def secrets(self) -> tuple[str, ...]:
        """What no refusal may show."""
        return (
            TARGET_NAME,
            self.member_code,
            self.chat_code,
            self.concern_reference,
            DRAFT_TEXT,
            CONCERN_TEXT,
        )


@dataclass(frozen=True)
class Action:
    name: str  # the button data or command, ids written as G, M, B, C
    how: str  # press | command | group_command
    real: str
    missing: str | None  # the same aimed at something that does not exist
    refusals: tuple[str, ...]  # the acceptable answers (see expected())
    rightful: str | None  # who may do it: facilitator | admin | focal point (None: nobody)
    scoped: bool = False  # another group's facilitator may use it for his own groups

    @property
    def staff_only(self) -> bool:
        """Not the facilitator's to do: his attempts are refused like anyone's."""
        return self.rightful != "facilitator"


WIZARD_OK = WizardAnswer("ok", "1").pack()
_GROUP_AT = {"fg": 1, "sl": 1, "sn": 1, "rw": 1, "ex": 1, "kg": 1, "km": 1, "fi": 1, "pk": 2}
END_STEPS = (EndRole.ASK, EndRole.NO, EndRole.YES)


def _name(data: str) -> str:
    """Button data with its ids written as G (the group) and M (the member)."""
    parts = data.split(":")
    at = _GROUP_AT.get(parts[0])
    if at is not None and parts[at] != "0":
        parts[at] = "G"
    if (parts[0] == "fg" and parts[2] in ("d", "dy", "pm")) or parts[0] == "km":
        parts[-1] = "M"
    if parts[0] == "sr":  # ending a role: the staff row S, taken at T
        parts[2:4] = ["S", "T"]
    return ":".join(parts)


def actions(t: Target) -> list[Action]:
    """The whole table, for group ``t.group_id``: (name, how, data or text, the same aimed at
    nothing, the acceptable refusals, who may)."""
    g, m, fac, scoped = t.group_id, t.membership_id, "facilitator", True
    pairs = zip(group_button_data(g, m), group_button_data(MISSING, m), strict=True)
    table = [
        Action(_name(real), "press", real, missing, ("alert",), fac) for real, missing in pairs
    ]
    table += [
        # The partner invitations of the group's staff (its facilitators, partner contacts).
        Action(
            "kg:G", "press", InvitationMembers(g).pack(), InvitationMembers(MISSING).pack(),
            ("alert",), fac,
        ),
        Action(
            "km:G:M", "press", InvitePartnerOf(g, m).pack(), InvitePartnerOf(MISSING, m).pack(),
            ("alert",), fac,
        ),
        # Someone else's broadcast draft: answered like a button that was used up.
        Action(
            "bc:B:y", "press", SendBroadcast(t.broadcast_send).pack(),
            SendBroadcast(MISSING).pack(), ("stale",), fac,
        ),
        Action(
            "bc:B:n", "press", CancelBroadcast(t.broadcast_cancel).pack(),
            CancelBroadcast(MISSING).pack(), ("stale",), fac,
        ),
        # The facilitator's fresh /link code, sent in the group chat by someone else.
        Action(
            "/link <chat code>", "group_command", f"/link {t.chat_code}", f"/link {UNKNOWN_CODE}",
            ("bad_chat_code",), fac,
        ),
        # Facilitators' commands: refused, or another group's facilitator sees his own groups.
        *(
            Action(command, "command", command, None, ("refused",), fac, scoped)
            for command in ("/groups", "/newgroup", "/broadcast", "/remind", "/report", "/export")
        ),
        Action(
            "/partnerinvite", "command", "/partnerinvite", None, ("refused", "no_couples"), fac,
            scoped,
        ),
        # The admin's facilitator invitations.
        Action("/newfacilitator", "command", "/newfacilitator", None, ("refused",), "admin"),
        Action(
            "/newfacilitator G", "command", f"/newfacilitator {g}", f"/newfacilitator {MISSING}",
            ("refused",), "admin",
        ),
        *(
            Action(
                _name(InviteFacilitator(gid).pack()), "press", InviteFacilitator(gid).pack(),
                InviteFacilitator(MISSING).pack(), ("alert",), "admin",
            )
            for gid in (g, None)
        ),
        # The admin's /staff, its two lists, and ending group 1's facilitator's and a
        # recorder's role: ask, cancel, confirm (the confirmations are the last controls).
        Action("/staff", "command", "/staff", None, ("refused",), "admin"),
        *(
            Action(
                page(0).pack(), "press", page(0).pack(), page(999).pack(), ("alert",), "admin"
            )
            for page in (StaffFacilitatorsPage, StaffRecordersPage)
        ),
        *(
            Action(
                _name(EndRole(role, sid, since, step).pack()), "press",
                EndRole(role, sid, since, step).pack(),
                EndRole(role, MISSING, since, step).pack(), ("alert",), "admin",
            )
            for role, (sid, since) in t.roles()
            for step in END_STEPS
        ),
        # The focal point's buttons on a concern: received, closed, answer the reporter.
        *(
            Action(
                f"zf:{verb}:C", "press", FocalAction(verb, t.concern_id).pack(),
                FocalAction(verb, MISSING).pack(), ("stale",), "focal point",
            )
            for verb in ("r", "c", "a")
        ),
        # Becoming staff with the code every member has: the group's invite link.
        Action(
            "fc:<member code>:a", "press", ConductAnswer(t.member_code, True).pack(),
            ConductAnswer(UNKNOWN_CODE, True).pack(), ("bad_invite",), None,
        ),
        Action(
            "kc:<member code>", "press", ContactRegistration(t.member_code).pack(),
            ContactRegistration(UNKNOWN_CODE).pack(), ("stale_edit",), None,
        ),
        # The /newgroup wizard's last button, without the wizard.
        Action(WIZARD_OK, "press", WIZARD_OK, None, ("stale",), None),
    ]  # fmt: skip
    return table


# --- what the bot said ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    kind: str  # answer (to a button) | text (a message, sent or edited)
    text: str
    extra: str = ""  # alert for an answer shown as an alert; the button labels of a message


def expected(kind: str, lang: str) -> list[Said]:
    """What a refusal of this kind looks like, in ``lang``."""
    with i18n.use_language(lang):
        tr = i18n._
        if kind == "alert":
            return [Said("answer", refused_text(), "alert")]
        if kind == "refused":
            return [Said("text", refused_text())]
        if kind == "stale":
            return [Said("answer", tr(STALE))]
        if kind == "stale_edit":
            return [Said("answer", ""), Said("text", tr(STALE))]
        if kind == "bad_invite":
            return [Said("answer", ""), Said("text", tr(BAD_FACILITATOR_INVITE))]
        if kind == "bad_chat_code":
            return [Said("text", tr(BAD_CHAT_CODE))]
        if kind == "no_couples":
            return [Said("text", tr(NO_COUPLES))]
    raise ValueError(kind)


_SILENT = {"getUpdates", "getMe", "setMyCommands", "getChat", "getChatMember", "sendChatAction"}


def _param(record: CallRecord, name: str) -> Any:
    value = record.params.get(name)
    if isinstance(value, str) and name == "reply_markup":
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _buttons(record: CallRecord) -> list[tuple[str, str]]:
    markup = _param(record, "reply_markup")
    if not isinstance(markup, dict):
        return []
    return [
        (str(b.get("text", "")), str(b.get("callback_data", b.get("url", ""))))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


@dataclass
class Seen:
    said: list[Said] = field(default_factory=list)
    data: list[str] = field(default_factory=list)  # callback data and links of the buttons
    elsewhere: set[int] = field(default_factory=set)  # chats that got something else


def observe(calls: Sequence[CallRecord], chat_id: int) -> Seen:
    """The successful calls of one case: what the person saw, and who else got something."""
    seen = Seen()
    for call in calls:
        if call.status != 200 or call.method in _SILENT:
            continue
        if call.method == "answerCallbackQuery":
            alert = "alert" if _param(call, "show_alert") in (True, "true", "True") else ""
            seen.said.append(Said("answer", str(_param(call, "text") or ""), alert))
            continue
        target = _param(call, "chat_id")
        if target is None:
            continue
        if int(target) != chat_id:
            seen.elsewhere.add(int(target))
            continue
        text = _param(call, "text")
        if text is None:
            text = _param(call, "caption")
        buttons = _buttons(call)
        seen.said.append(
            Said("text", str(text or f"[{call.method}]"), " | ".join(b[0] for b in buttons))
        )
        seen.data += [b[1] for b in buttons]
    return seen


def points_at(data: str, group_id: int) -> bool:
    """Whether a button's data acts on this group (any staff button that names one)."""
    return getattr(unpack(data), "group_id", None) == group_id


def reveals(seen: Seen, t: Target) -> bool:
    texts = [s.text + " " + s.extra for s in seen.said] + seen.data
    if any(secret in text for secret in t.secrets() for text in texts):
        return True
    return any(points_at(d, t.group_id) for d in seen.data)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    action: str
    actor: str  # member | other facilitator | stranger | own facilitator | rightful
    language: str
    outcome: str  # refused | own only | allowed, or failures joined by "+"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in PASSING


@dataclass
class AuthzResult:
    actions: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Case]:
        return [c for c in self.cases if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failures and bool(self.cases)


class ErrorLog(logging.Handler):
    """Errors logged by the bot or python-telegram-bot (a handler that raised)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "telegram")) and not record.name.startswith(
            "bot.emulator"
        ):
            self.lines.append(record.getMessage()[:200])


Snapshot = dict[str, list[tuple[Any, ...]]]


async def snapshot(engine: AsyncEngine) -> Snapshot:
    """Every row of every table, but for two records of the conversation itself: a person's
    last-seen time and the list of sent messages kept for erasure (each refusal is a message);
    the service's own heartbeats (the worker table, the marks `foyer status` reads); and the
    ids of the updates handled (each refused press is one)."""
    out: Snapshot = {}
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("erasable", "worker", "service_mark", "handled_update"):
                continue
            cols = [c for c in table.c if c.name != "last_seen_at"]
            rows = await conn.execute(select(*cols).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows.all()]
    return out


# --- driving the bot -----------------------------------------------------------------------------


@dataclass
class Stage:
    app: FoyerApp
    rt: Runtime
    emu: BotAPIEmulator
    errors: ErrorLog

    async def settle(self, timeout: float = 20) -> None:
        """Until every update was fetched and handled and no request is in flight: updates of
        one chat are handled in order, so this is when a case has had all its effects."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._idle():
                await asyncio.sleep(0.002)  # an update between the queue and its handler
                if self._idle():
                    return
            if loop.time() > deadline:
                raise RuntimeError("the bot did not settle")
            await asyncio.sleep(0.001)

    def _idle(self) -> bool:
        state = self.emu.state
        return (
            state.updates.pending_count == 0
            and state.in_flight == 0
            and self.app.update_queue.empty()
            and self.app.update_processor.current_concurrent_updates == 0
        )

    async def drain_outbox(self, timeout: float = 60) -> None:
        """Until nothing due is pending in the outbox and the sender is quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        outbox = tables.outbox
        while True:
            async with self.rt.engine.connect() as conn:
                pending = (
                    await conn.execute(
                        select(outbox.c.id).where(
                            (outbox.c.status == "sending")
                            | (
                                (outbox.c.status == "pending")
                                & (outbox.c.due_at <= self.rt.clock.now())
                            )
                        )
                    )
                ).first()
            if pending is None:
                await self.emu.wait_idle(quiet=0.05, timeout=timeout)
                await self.settle()
                return
            if loop.time() > deadline:
                raise RuntimeError("the outbox did not drain")
            self.rt.wake_sender()
            await asyncio.sleep(0.02)

    async def snapshot(self) -> Snapshot:
        return await snapshot(self.rt.engine)

    def anchor(self, chat_id: int) -> int:
        """A live bot message in the chat to press buttons on."""
        live = self.emu.state.bot_messages(chat_id)
        if not live:
            raise RuntimeError(f"no bot message in chat {chat_id}")
        return live[-1].message_id

    def perform(self, action: Action, uid: int, text: str) -> int:
        """Do it; returns the chat the answer comes in."""
        if action.how == "press":
            self.emu.press_button(uid, self.anchor(uid), text)
            return uid
        if action.how == "group_command":
            self.emu.send_group_text(GROUP_CHAT, uid, text)
            return GROUP_CHAT
        self.emu.send_text(uid, text)
        return uid

    async def attempt(self, action: Action, uid: int, text: str) -> tuple[Seen, list[str]]:
        mark, errors = len(self.emu.state.calls), len(self.errors.lines)
        chat = self.perform(action, uid, text)
        await self.settle()
        return observe(self.emu.state.calls[mark:], chat), self.errors.lines[errors:]

    async def cleanup(self, action: Action, uid: int) -> None:
        """After a command: leave any dialogue it started (/newgroup, /broadcast...)."""
        if action.how == "command":
            self.emu.send_text(uid, "/cancel")
            await self.settle()


async def try_as(
    stage: Stage,
    action: Action,
    t: Target,
    actor: str,
    uid: int,
    lang: str,
    before: Snapshot,
) -> tuple[Case, Snapshot]:
    """One (action, actor): the real attempt, the same at nothing, and the checks."""
    real, errors = await stage.attempt(action, uid, action.real)
    missing: Seen | None = None
    if action.missing is not None:
        missing, more = await stage.attempt(action, uid, action.missing)
        errors += more
    await stage.cleanup(action, uid)
    after = await stage.snapshot()
    failed: list[str] = []
    detail: list[str] = []
    if after != before:
        failed.append("CHANGED")
        detail += [f"table {name} changed" for name in after if after[name] != before.get(name)]
    elsewhere = real.elsewhere | (missing.elsewhere if missing else set())
    if elsewhere:
        failed.append("SENT")
        detail.append(f"messages to chats {sorted(elsewhere)}")
    if reveals(real, t) or (missing is not None and missing.said != real.said):
        failed.append("REVEALED")
        if missing is not None and missing.said != real.said:
            detail.append(f"for a missing target: {_show(missing.said)}")
    own_only = action.scoped and actor == "other facilitator"
    allowed = [expected(kind, lang) for kind in action.refusals]
    if not own_only and real.said not in allowed:
        failed.append("NOT REFUSED")
    if errors:
        failed.append("ERROR")
        detail += sorted(set(errors))
    outcome = "+".join(failed) or ("own only" if own_only else "refused")
    if failed:
        detail.insert(0, f"answer: {_show(real.said)}")
    return Case(action.name, actor, lang, outcome, "; ".join(detail)), after


async def try_rightful(stage: Stage, action: Action, uid: int) -> Case:
    """The control: the rightful person is not refused (a different answer, or an effect), so
    the attempts above could have failed."""
    before = await stage.snapshot()
    said, errors = await stage.attempt(action, uid, action.real)
    await stage.cleanup(action, uid)
    refused = said.said in [expected(kind, "en") for kind in action.refusals]
    if refused and await stage.snapshot() != before:
        refused = False  # cancelling a draft is answered like a refusal, but it is gone
    failed = (["REFUSED"] if refused else []) + (["ERROR"] if errors else [])
    detail = f"answer: {_show(said.said)}" + ("; " + "; ".join(errors) if errors else "")
    return Case(action.name, RIGHTFUL, "en", "+".join(failed) or "allowed", detail)


def _show(said: Sequence[Said]) -> str:
    return " / ".join(
        f"{s.kind}: {s.text[:70]!r}" + (f" [{s.extra}]" if s.extra else "") for s in said
    )


# --- set-up through the bot ----------------------------------------------------------------------


async def _wait_buttons(emu: BotAPIEmulator, chat: int, prefix: str) -> list[str]:
    message = await emu.wait_for_message(
        chat, lambda m: any((d or "").startswith(prefix) for _l, d in m.buttons), timeout=10
    )
    return [d for _l, d in message.buttons if d and d.startswith(prefix)]


def _code_in(text: str, pattern: str) -> str:
    m = re.search(pattern, text)
    if m is None:
        raise RuntimeError(f"no code in {text[:200]!r}")
    return m[1]


async def make_facilitator(stage: Stage, uid: int, group_id: int) -> None:
    """The admin's /newfacilitator GROUP, then /start CODE and "I accept" by the new one."""
    emu = stage.emu
    emu.send_text(ADMIN, f"/newfacilitator {group_id}")
    link = await emu.wait_for_message(ADMIN, lambda m: "start=" in (m.text or ""), timeout=10)
    code = _code_in(link.text or "", r"start=([A-Za-z0-9_-]+)")
    emu.send_text(uid, f"/start {code}")
    (accept, _decline) = await _wait_buttons(emu, uid, "fc:")
    emu.press_button(uid, stage.anchor(uid), accept)
    await stage.settle()
    if accept != ConductAnswer(code, True).pack():
        raise RuntimeError("unexpected code of conduct buttons")


async def make_recorder(stage: Stage, uid: int) -> None:
    """The admin's /recorders bm, then /start CODE and "I accept" by the new recorder."""
    emu = stage.emu
    emu.send_text(ADMIN, "/recorders bm")
    link = await emu.wait_for_message(ADMIN, lambda m: "start=" in (m.text or ""), timeout=10)
    code = _code_in(link.text or "", r"start=([A-Za-z0-9_-]+)")
    emu.send_text(uid, f"/start {code}")
    (accept, _decline) = await _wait_buttons(emu, uid, "rc:c:")
    if accept != RecorderConduct(code, True).pack():
        raise RuntimeError("unexpected code of conduct buttons")
    emu.press_button(uid, stage.anchor(uid), accept)
    await stage.settle()


async def role_of(stage: Stage, uid: int, role: str) -> tuple[int, int]:
    """The (staff row, since) that the buttons ending this person's role name."""
    async with stage.rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, uid)
        row = await staff.get(conn, p.id, role) if p is not None else None
    if row is None or not row.active:
        raise RuntimeError(f"{uid} is not an active {role}")
    return row.id, staff_roles.since(row)


async def facilitator_edit(stage: Stage, data: str) -> str:
    """The facilitator presses one of his buttons; the text he then sees."""
    mark = len(stage.emu.state.calls)
    stage.emu.press_button(FACILITATOR, stage.anchor(FACILITATOR), data)
    await stage.settle()
    seen = observe(stage.emu.state.calls[mark:], FACILITATOR)
    return "\n".join(s.text for s in seen.said)


async def draft_broadcast(stage: Stage) -> int:
    """/broadcast, the text, and the preview's Send/Cancel buttons: the draft's id."""
    stage.emu.send_text(FACILITATOR, "/broadcast")
    await stage.settle()
    stage.emu.send_text(FACILITATOR, DRAFT_TEXT)
    send, _cancel = await _wait_buttons(stage.emu, FACILITATOR, "bc:")
    parsed = SendBroadcast.unpack(send)
    assert parsed is not None
    return parsed.broadcast_id


async def raise_concern(stage: Stage, uid: int) -> tuple[int, str]:
    """/concern by a member of the group: a complaint about a member, anonymous."""
    emu = stage.emu
    emu.send_text(uid, "/concern")
    await _wait_buttons(emu, uid, "zc:")
    for value in ("c", "cm", "cm1"):
        emu.press_button(uid, stage.anchor(uid), ConcernStep(value).pack())
        await stage.settle()
    emu.send_text(uid, CONCERN_TEXT)
    await stage.settle()
    concern = tables.concern
    async with stage.rt.engine.connect() as conn:
        row = (
            await conn.execute(
                select(concern.c.id, concern.c.reference).order_by(concern.c.id.desc())
            )
        ).first()
    if row is None:
        raise RuntimeError("the concern was not stored")
    return int(row.id), str(row.reference)


@dataclass(frozen=True)
class Cast:
    attackers: dict[str, dict[str, int]]  # language -> actor -> Telegram id


def member_ids(members: int, languages: Sequence[str]) -> tuple[dict[str, int], int]:
    """Group 1's attacking member for each language, and a bystander member (the last one)."""
    if members < 2:
        raise ValueError("the campaign needs at least two members per group")
    chosen: dict[str, int] = {}
    for lang in languages:
        index = next(
            (i for i in range(members - 1) if SEED_LANGUAGES[i % len(SEED_LANGUAGES)] == lang),
            None,
        )
        if index is None:
            raise ValueError(f"--members {members} leaves no member speaking {lang}")
        chosen[lang] = FIRST_USER_ID + index
    return chosen, FIRST_USER_ID + members - 1


async def set_up(stage: Stage, members: int, languages: Sequence[str]) -> tuple[Target, Cast]:
    emu = stage.emu
    emu.user(ADMIN, first_name="Awa", language_code="en")
    emu.user(FOCAL, first_name="Kadiatou", language_code="en")
    emu.user(FACILITATOR, first_name="Fatou", language_code="en")
    await make_facilitator(stage, FACILITATOR, TARGET)
    # What the actions point at, each made by the facilitator through his own buttons.
    renewed = await facilitator_edit(stage, RenewInviteConfirmed(TARGET).pack())
    member_code = _code_in(renewed, r"start=([A-Za-z0-9_-]+)")
    linking = await facilitator_edit(stage, LinkGroupChat(TARGET).pack())
    chat_code = _code_in(linking, r"/link ([A-Za-z0-9_-]+)")
    send = await draft_broadcast(stage)
    cancel = await draft_broadcast(stage)
    attacking, bystander = member_ids(members, languages)
    emu.user(bystander, first_name="Bakary", language_code="en")
    concern_id, reference = await raise_concern(stage, bystander)
    emu.add_bot_to_group(GROUP_CHAT, FACILITATOR, chat_title="Kati Men chat")
    emu.user(RECORDER, first_name="Awa", language_code="en")
    await make_recorder(stage, RECORDER)
    membership = tables.membership
    async with stage.rt.engine.connect() as conn:
        membership_id = (
            await conn.execute(
                select(membership.c.id)
                .join(tables.person, tables.person.c.id == membership.c.person_id)
                .where(tables.person.c.telegram_id == bystander)
            )
        ).scalar_one()
    cast: dict[str, dict[str, int]] = {}
    for n, lang in enumerate(languages):
        other = FIRST_OTHER_FACILITATOR + n
        stranger = FIRST_STRANGER + n
        emu.user(attacking[lang], first_name="Moussa", language_code=lang)
        emu.user(other, first_name="Issa", language_code=lang)
        emu.user(stranger, first_name="Seydou", language_code=lang)
        await make_facilitator(stage, other, OTHER)
        cast[lang] = {"member": attacking[lang], "other facilitator": other, "stranger": stranger}
    for uid in [*(u for c in cast.values() for u in c.values()), FOCAL]:
        emu.send_text(uid, "/start")  # a message to press buttons on
    await stage.settle()
    await stage.drain_outbox()
    target = Target(
        group_id=TARGET,
        membership_id=int(membership_id),
        broadcast_send=send,
        broadcast_cancel=cancel,
        concern_id=concern_id,
        concern_reference=reference,
        member_code=member_code,
        chat_code=chat_code,
        facilitator_role=await role_of(stage, FACILITATOR, staff.FACILITATOR),
        recorder_role=await role_of(stage, RECORDER, staff.RECORDER),
    )
    return target, Cast(cast)


async def seed(url: str, groups: int, members: int) -> None:
    """bench.seed's groups, then group 1 and 2 with couples exercises and group 1 named."""
    await asyncio.to_thread(asyncio.run, seed_db(url, groups, members))
    engine = make_engine(url)
    async with engine.begin() as conn:
        g = tables.group
        await conn.execute(
            update(g).where(g.c.id.in_((TARGET, OTHER))).values(couples_weeks="3,6,9,12")
        )
        await conn.execute(update(g).where(g.c.id == TARGET).values(name=TARGET_NAME))
        count = (await conn.execute(select(func.count()).select_from(g))).scalar_one()
    await engine.dispose()
    if count < 2:
        raise ValueError("the campaign needs at least two groups")


# --- the campaign --------------------------------------------------------------------------------


async def campaign(
    workdir: Path,
    groups: int,
    members: int,
    languages: Sequence[str],
    controls: bool,
    url: str = "",
) -> AuthzResult:
    started = time.monotonic()
    result = AuthzResult(languages=list(languages))
    db = url or database_url(workdir / "authz.db")
    await seed(db, groups, members)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        async with BotAPIEmulator(token=TOKEN, auto_chats=True) as emu:
            settings = bench_settings(
                emu.base_url.removesuffix("/bot"),
                db,
                admin_ids=frozenset({ADMIN}),
                safeguarding_ids=frozenset({FOCAL}),
                grace_hours=1,
                # Each actor tries every action within seconds, far faster than any person:
                # the per-person limit would answer most of them "slow down" instead.
                updates_per_minute=6000,
            )
            app = build_application(settings, clock=OffsetClock(NOW))
            async with running(app, poll_timeout=1):
                stage = Stage(app, runtime_of(app), emu, errors)
                await stage.settle()
                await planner.tick(stage.rt)  # what the seeded groups were due: expired
                await stage.drain_outbox()
                target, cast = await set_up(stage, members, languages)
                table = actions(target)
                result.actions = [a.name for a in table]
                await attack(stage, table, target, cast, result)
                if controls:
                    await control(stage, table, result)
    finally:
        logging.getLogger().removeHandler(errors)
    result.seconds = time.monotonic() - started
    return result


async def attack(
    stage: Stage, table: list[Action], t: Target, cast: Cast, result: AuthzResult
) -> None:
    before = await stage.snapshot()
    for lang, actors in cast.attackers.items():
        for actor, uid in actors.items():
            for action in table:
                case, before = await try_as(stage, action, t, actor, uid, lang, before)
                result.cases.append(case)
    for action in table:
        if action.staff_only:
            case, before = await try_as(
                stage, action, t, OWN_FACILITATOR, FACILITATOR, "en", before
            )
            result.cases.append(case)
    # Whatever a refused action might have queued reaches no one later either.
    mark = len(stage.emu.state.calls)
    stage.rt.wake_sender()
    await stage.drain_outbox()
    late = observe(stage.emu.state.calls[mark:], chat_id=0).elsewhere
    if late:
        result.cases.append(Case("(after all)", "nobody", "", "SENT", f"chats {sorted(late)}"))


def _ends_role(action: Action) -> bool:
    return action.name.startswith("sr:") and action.name.endswith(f":{EndRole.YES}")


async def control(stage: Stage, table: list[Action], result: AuthzResult) -> None:
    who = {"facilitator": FACILITATOR, "admin": ADMIN, "focal point": FOCAL}
    # Removing the member comes after the partner invitation for him; ending the facilitator's
    # role after everything he does.
    ordered = sorted(table, key=lambda a: (_ends_role(a), a.name == "fg:G:dy:M"))
    for action in ordered:
        if action.rightful is None:
            result.cases.append(Case(action.name, RIGHTFUL, "en", "n/a", "nobody may"))
            continue
        result.cases.append(await try_rightful(stage, action, who[action.rightful]))


def run(
    groups: int = 2,
    members: int = 3,
    languages: Sequence[str] = ("en",),
    *,
    controls: bool = True,
    database_url: str = "",
) -> AuthzResult:
    """The campaign on ``groups`` seeded groups of ``members``, attackers in each language, on
    a SQLite file of its own or on the empty database at database_url."""
    unknown = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
    if unknown or not languages:
        raise ValueError(f"languages must be among {', '.join(SUPPORTED_LANGUAGES)}")
    if groups >= MISSING:
        raise ValueError("too many groups")
    with tempfile.TemporaryDirectory(prefix="foyer-authz-") as tmp:
        return asyncio.run(campaign(Path(tmp), groups, members, languages, controls, database_url))


# --- report --------------------------------------------------------------------------------------

COLUMNS = (*ATTACKERS, OWN_FACILITATOR, RIGHTFUL)
_SHORT = {
    "member": "member",
    "other facilitator": "other fac.",
    "stranger": "stranger",
    OWN_FACILITATOR: "own fac.",
    RIGHTFUL: "rightful",
}


def cell(cases: Sequence[Case], multilingual: bool) -> str:
    if not cases:
        return "-"
    bad = [c for c in cases if not c.ok]
    if not bad:
        return cases[0].outcome
    outcomes = sorted({c.outcome for c in bad})
    text = "+".join(outcomes)
    if multilingual and len(bad) < len(cases):
        text += "(" + ",".join(c.language for c in bad) + ")"
    return text


def table_lines(result: AuthzResult) -> list[str]:
    """One row per action, one column per actor."""
    multilingual = len(result.languages) > 1
    by: dict[tuple[str, str], list[Case]] = {}
    for c in result.cases:
        by.setdefault((c.action, c.actor), []).append(c)
    rows = [
        [action, *(cell(by.get((action, col), []), multilingual) for col in COLUMNS)]
        for action in result.actions
    ]
    head = ["action", *(_SHORT[col] for col in COLUMNS)]
    widths = [max(len(r[i]) for r in [head, *rows]) + 2 for i in range(len(head))]
    lines = [
        "".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows]
    ]
    return [lines[0], "-" * len(lines[0]), *lines[1:]]


def failure_lines(result: AuthzResult) -> list[str]:
    """Each failing (action, actor, outcome) once, with its languages and first detail."""
    grouped: dict[tuple[str, str, str], list[Case]] = {}
    for c in result.failures:
        grouped.setdefault((c.action, c.actor, c.outcome), []).append(c)
    return [
        f"  FAIL {action} as {actor} ({','.join(c.language for c in cases)}): {outcome}: "
        + cases[0].detail
        for (action, actor, outcome), cases in grouped.items()
    ]


def summary(result: AuthzResult) -> str:
    attempts = [c for c in result.cases if c.actor != RIGHTFUL]
    controls = [c for c in result.cases if c.actor == RIGHTFUL and c.outcome != "n/a"]
    return (
        f"authz: {len(result.actions)} actions x {len(ATTACKERS)} outsiders x "
        f"{len(result.languages)} language(s) (+ the facilitator on the admin's and focal "
        f"point's actions): {len(attempts)} attempts, {len(controls)} rightful controls, "
        f"{len(result.failures)} failures, {result.seconds:.1f} s: "
        f"{'PASS' if result.ok else 'FAIL'}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--groups", type=int, default=50, help="seeded groups (at least 2)")
    p.add_argument("--members", type=int, default=20, help="members per seeded group")
    p.add_argument(
        "--languages",
        default=",".join(SUPPORTED_LANGUAGES),
        help="the attackers' languages, comma-separated (default: all)",
    )
    p.add_argument("--no-controls", action="store_true", help="skip the rightful controls")
    args = p.parse_args(argv)
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    result = run(args.groups, args.members, languages, controls=not args.no_controls)
    for line in table_lines(result):
        print(line)
    for line in failure_lines(result):
        print(line)
    print(summary(result))
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
