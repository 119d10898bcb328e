"""A person's data rights and Foyer's own forgetting: /mydata, /forget, /erase, auto-erase and
the retention jobs."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Bot
from telegram.error import TelegramError

from bot.infra.log_setup import Throttled
from bot.runtime import Runtime
from bot.storage import broadcasts, concerns, erasable, people, personal_data, recordings
from bot.storage.erasable import ErasableRow, deletable_after
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)
_throttled = Throttled(log)

# The auto-erase choices offered, in hours: all under Telegram's 48-hour delete window.
AUTO_ERASE_CHOICES = (1, 6, 12, 24, 36)
_BATCH = 100  # deleteMessages takes at most 100 ids


async def set_settings(
    rt: Runtime,
    person_id: int,
    *,
    discreet: bool | None = None,
    silent: bool | None = None,
    auto_erase_hours: int | str | None = "keep",
) -> PersonRow | None:
    if isinstance(auto_erase_hours, int) and auto_erase_hours not in AUTO_ERASE_CHOICES:
        raise ValueError("auto-erase hours must be one of the offered choices")
    async with rt.engine.begin() as conn:
        await people.set_privacy(
            conn,
            person_id,
            discreet=discreet,
            silent=silent,
            auto_erase_hours=auto_erase_hours,  # type: ignore[arg-type]
        )
        found = await people.get(conn, person_id)
    log.info("privacy.settings person=%s", person_id)
    return found


async def remember_message(
    rt: Runtime, person: PersonRow, chat_id: int, message_id: int, *, from_person: bool = False
) -> None:
    """Note a message Foyer may delete later (its own reply, or what the person sent).

    A note that cannot be written is logged, not raised: the message is in the chat either
    way, and failing here would cut short the answer it belongs to (help shown, then "not
    saved", or shown twice)."""
    now = rt.clock.now()
    hours = person.auto_erase_hours
    try:
        async with rt.engine.begin() as conn:
            await erasable.record(
                conn,
                person_id=person.id,
                chat_id=chat_id,
                message_id=message_id,
                sent_at=now,
                erase_at=now + timedelta(hours=hours) if hours else None,
            )
    except SQLAlchemyError as exc:
        _throttled.warning(
            "privacy.remember_failed",
            "privacy.remember_failed person=%s error=%s",
            person.id,
            type(exc).__name__,
        )
        return
    log.debug("privacy.remembered person=%s from_person=%s", person.id, from_person)


async def _delete(rt: Runtime, bot: Bot, rows: list[ErasableRow]) -> tuple[int, int]:
    """Delete what Telegram still allows; (deleted, too old). Never asks past 48 hours."""
    horizon = deletable_after(rt.clock.now())
    by_chat: dict[int, list[int]] = defaultdict(list)
    too_old = 0
    for row in rows:
        if row.sent_at > horizon:
            by_chat[row.chat_id].append(row.message_id)
        else:
            too_old += 1
    deleted = 0
    for chat_id, ids in by_chat.items():
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            try:
                await bot.delete_messages(chat_id, chunk)
                deleted += len(chunk)
            except TelegramError as exc:
                log.warning("privacy.delete_failed chat=%s error=%s", chat_id, type(exc).__name__)
    async with rt.engine.begin() as conn:
        await erasable.remove(conn, [r.id for r in rows])
    return deleted, too_old


async def auto_erase(rt: Runtime, bot: Bot) -> int:
    """Delete every message whose chosen erase time has come; returns how many."""
    async with rt.engine.connect() as conn:
        rows = await erasable.due(conn, rt.clock.now())
    if not rows:
        return 0
    deleted, too_old = await _delete(rt, bot, rows)
    log.info("privacy.auto_erased messages=%s too_old=%s", deleted, too_old)
    return deleted


@dataclass(frozen=True)
class Erased:
    deleted: int


async def erase_now(rt: Runtime, bot: Bot, person: PersonRow) -> Erased:
    """/erase: everything Foyer can still delete in this person's chat, now."""
    async with rt.engine.connect() as conn:
        rows = await erasable.of_chat(conn, person.telegram_id)
    deleted, _too_old = await _delete(rt, bot, rows)
    log.info("privacy.erased person=%s messages=%s", person.id, deleted)
    return Erased(deleted)


async def export(rt: Runtime, person_id: int) -> dict[str, list[dict[str, object]]]:
    async with rt.engine.connect() as conn:
        return await personal_data.export(conn, person_id)


async def forget(rt: Runtime, bot: Bot | None, person: PersonRow) -> bool:
    """Erase the person everywhere. Concerns they raised stay with the focal points, without
    any link back to them, until their own purge date: others may depend on them."""
    if bot is not None:
        await erase_now(rt, bot, person)
    async with rt.engine.begin() as conn:
        done = await _erase_person(conn, person.id)
    log.info("privacy.forgotten person=%s", person.id)
    return done


async def _erase_person(conn: AsyncConnection, person_id: int) -> bool:
    """Everything about one person goes; the concerns they raised and the recordings they
    submitted stay, unlinked from them."""
    await concerns.unlink_reporter(conn, person_id)
    # A recorder's drafts (never submitted) go; his submitted recordings stay, unlinked.
    await recordings.drop_drafts_of(conn, person_id)
    return await personal_data.erase(conn, person_id)


@dataclass(frozen=True)
class Retention:
    concerns: int
    people: int
    erasable: int
    broadcasts: int = 0


async def retention(rt: Runtime) -> Retention:
    """The daily job: purge old concerns, erase long-inactive people, drop stale ids, delete
    facilitators' broadcast texts (drafts after a day, sent ones after their summary)."""
    now = rt.clock.now()
    purged = await _purge_concerns(rt)
    before = now - timedelta(days=rt.settings.member_retention_days)
    async with rt.engine.connect() as conn:
        idle = await people.inactive_since(conn, before)
    for person_id in idle:
        async with rt.engine.begin() as conn:
            await _erase_person(conn, person_id)
    async with rt.engine.begin() as conn:
        dropped = await erasable.drop_expired(conn, now)
        await personal_data.clear_stale_contact_refs(conn)
        keep = timedelta(days=rt.settings.broadcast_retention_days)
        texts = await broadcasts.purge(conn, now, keep)
    log.info(
        "privacy.retention concerns=%s people=%s erasable=%s broadcasts=%s",
        purged,
        len(idle),
        dropped,
        texts,
    )
    return Retention(purged, len(idle), dropped, texts)


async def _purge_concerns(rt: Runtime) -> int:
    async with rt.engine.begin() as conn:
        return len(await concerns.purge_due(conn, rt.clock.now()))
