"""Recorders: staff who record the programme's voice messages in one or more languages.

An admin invites one (`foyer recorder invite --language bm`, or /recorders in Telegram); the
person accepts the staff code of conduct (the facilitators' one) and is a recorder of those
languages. Who may record and who may review a language is decided here, once: a recorder
records and reviews his languages, an admin reviews any (but records none), and nobody
approves his own recording (bot/services/recordings.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.runtime import Runtime
from bot.services import invitations
from bot.services.invitations import InviteKind, Refused
from bot.storage import people, staff
from bot.storage.staff import RECORDER, StaffRow, split_languages

log = logging.getLogger(__name__)

INVITE_DAYS = 7
INVITE_LIFETIME = timedelta(days=INVITE_DAYS)


def unknown_languages(languages: tuple[str, ...]) -> list[str]:
    """The codes among these that Foyer does not speak."""
    return [code for code in languages if code not in SUPPORTED_LANGUAGES]


def in_order(languages: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Each language once, in Foyer's order (en fr es bm)."""
    return tuple(code for code in SUPPORTED_LANGUAGES if code in languages)


async def create_invite(
    rt: Runtime, languages: tuple[str, ...], created_by_telegram_id: int | None = None
) -> str:
    """A one-time recorder invitation for these (supported, at least one) languages."""
    langs = in_order(languages)
    if not langs or unknown_languages(languages):
        raise ValueError(f"languages {languages!r}")
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        author = None
        if created_by_telegram_id is not None:
            p = await people.by_telegram_id(conn, created_by_telegram_id)
            author = p.id if p else None
        code = await invitations.issue(
            conn,
            InviteKind.RECORDER,
            now,
            INVITE_LIFETIME,
            group_id=None,
            created_by=author,
            languages=",".join(langs),
        )
    log.info("recorders.invite_created languages=%s", ",".join(langs))
    return code


async def check_invite(rt: Runtime, code: str) -> tuple[str, ...] | None:
    """Read-only: the languages of a usable recorder invitation, or None."""
    async with rt.engine.connect() as conn:
        found = await invitations.open_invitation(
            conn, code, InviteKind.RECORDER, rt.clock.now(), needs_group=False
        )
    if isinstance(found, Refused):
        return None
    return split_languages(found.invite.languages)


async def accept_invite(
    rt: Runtime, code: str, telegram_id: int, language: str
) -> tuple[str, ...] | None:
    """He accepted the code of conduct: a recorder of the invitation's languages (and of those
    he had already). None when the code cannot be used (any more)."""
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        found = await invitations.redeem(conn, code, InviteKind.RECORDER, now, needs_group=False)
        if found is None:
            return None
        person = await invitations.staff_person(conn, telegram_id, language, now)
        invited = in_order(split_languages(found.invite.languages))
        langs = await staff.make_recorder(conn, person.id, invited, now)
    log.info("recorders.accepted person=%s languages=%s", person.id, ",".join(langs))
    return in_order(langs)


async def list_recorders(rt: Runtime) -> list[StaffRow]:
    async with rt.engine.connect() as conn:
        return await staff.list_all(conn, RECORDER)


async def revoke(rt: Runtime, telegram_id: int) -> bool:
    """End an active recorder's role; False when he is not one. His recordings stay."""
    now = rt.clock.now()
    async with rt.engine.begin() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
        done = p is not None and await staff.revoke_recorder(conn, p.id, now)
    if done and p is not None:
        log.info("recorders.revoked person=%s", p.id)
    return done


@dataclass(frozen=True)
class Recorder:
    """Who is asking, as the audio library sees them: the languages they may record (an
    active recorder's) and review (those, or every language for an admin)."""

    telegram_id: int
    person_id: int | None
    records: tuple[str, ...]
    is_admin: bool

    @property
    def reviews(self) -> tuple[str, ...]:
        return SUPPORTED_LANGUAGES if self.is_admin else self.records


async def recorder_of(rt: Runtime, telegram_id: int) -> Recorder:
    """Read fresh for each action: a revoked recorder records and reviews nothing."""
    is_admin = telegram_id in rt.settings.admin_ids
    async with rt.engine.connect() as conn:
        p = await people.by_telegram_id(conn, telegram_id)
        row = await staff.get(conn, p.id, RECORDER) if p is not None else None
    records = in_order(row.languages) if row is not None and row.active else ()
    return Recorder(telegram_id, p.id if p else None, records, is_admin)
