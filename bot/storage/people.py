"""People: one row per Telegram user who has enrolled (strangers leave no trace)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import outbox, person


@dataclass(frozen=True)
class PersonRow:
    id: int
    telegram_id: int
    language: str
    first_name: str | None
    discreet: bool
    blocked: bool
    last_seen_at: datetime | None
    silent: bool = False
    auto_erase_hours: int | None = None
    voice_mode: str | None = None  # read | listen | both; None: not chosen (the language's)


def _row(r: object) -> PersonRow:
    m = r._mapping  # type: ignore[attr-defined]
    return PersonRow(
        id=m["id"],
        telegram_id=m["telegram_id"],
        language=m["language"],
        first_name=m["first_name"],
        discreet=m["discreet"],
        blocked=m["blocked"],
        last_seen_at=m["last_seen_at"],
        silent=m["silent"],
        auto_erase_hours=m["auto_erase_hours"],
        voice_mode=m["voice_mode"],
    )


async def by_telegram_id(conn: AsyncConnection, telegram_id: int) -> PersonRow | None:
    row = (await conn.execute(select(person).where(person.c.telegram_id == telegram_id))).first()
    return _row(row) if row else None


async def by_telegram_ids(
    conn: AsyncConnection, telegram_ids: Sequence[int]
) -> dict[int, PersonRow]:
    """Several people in one query (the updates of one moment, looked up together)."""
    rows = await conn.execute(select(person).where(person.c.telegram_id.in_(set(telegram_ids))))
    return {found.telegram_id: found for found in map(_row, rows)}


async def get_or_create(
    conn: AsyncConnection,
    *,
    telegram_id: int,
    language: str,
    first_name: str | None,
    now: datetime,
    discreet: bool | None = None,
    voice_mode: str | None = None,
) -> PersonRow:
    """The person, created or updated; a choice given as None leaves his earlier one."""
    found = await by_telegram_id(conn, telegram_id)
    if found is not None:
        values: dict[str, object] = {"language": language, "last_seen_at": now, **_UNBLOCKED}
        if first_name is not None:
            values["first_name"] = first_name
        if discreet is not None:
            values["discreet"] = discreet
        if voice_mode is not None:
            values["voice_mode"] = voice_mode
        await conn.execute(update(person).where(person.c.id == found.id).values(**values))
        refreshed = await by_telegram_id(conn, telegram_id)
        assert refreshed is not None
        return refreshed
    await conn.execute(
        person.insert().values(
            telegram_id=telegram_id,
            language=language,
            first_name=first_name,
            discreet=bool(discreet),
            voice_mode=voice_mode,
            blocked=False,
            created_at=now,
            last_seen_at=now,
        )
    )
    created = await by_telegram_id(conn, telegram_id)
    assert created is not None
    return created


async def set_language(conn: AsyncConnection, person_id: int, language: str) -> None:
    await conn.execute(update(person).where(person.c.id == person_id).values(language=language))


async def set_voice_mode(conn: AsyncConnection, person_id: int, mode: str) -> bool:
    """Read, listen or both; False when the person is gone."""
    done = await conn.execute(
        update(person).where(person.c.id == person_id).values(voice_mode=mode)
    )
    return bool(done.rowcount)


# Writing to the bot undoes a block: the flag and its date go together.
_UNBLOCKED: dict[str, object] = {"blocked": False, "blocked_at": None}


async def touch(conn: AsyncConnection, person_id: int, now: datetime) -> None:
    """Record activity (a person unblocked us by writing, so clear the flag too)."""
    await conn.execute(
        update(person).where(person.c.id == person_id).values(last_seen_at=now, **_UNBLOCKED)
    )


async def mark_blocked(conn: AsyncConnection, chat_id: int, now: datetime) -> None:
    """The person blocked the bot: stop every pending message to them. The block is dated the
    first time Foyer learns it (`retained` counts past periods by it); a person already
    blocked keeps his date (None for a block older than revision 0012: counted nowhere)."""
    await conn.execute(
        update(person)
        .where(person.c.telegram_id == chat_id)
        .values(
            blocked=True,
            blocked_at=case(
                (person.c.blocked, person.c.blocked_at),
                else_=literal(now, person.c.blocked_at.type),  # stored as naive UTC, as any
            ),
        )
    )
    await conn.execute(
        update(outbox)
        .where(outbox.c.chat_id == chat_id, outbox.c.status.in_(("pending", "sending")))
        .values(status="blocked")
    )


async def get(conn: AsyncConnection, person_id: int) -> PersonRow | None:
    row = (await conn.execute(select(person).where(person.c.id == person_id))).first()
    return _row(row) if row else None


async def set_privacy(
    conn: AsyncConnection,
    person_id: int,
    *,
    discreet: bool | None = None,
    silent: bool | None = None,
    auto_erase_hours: int | Literal["keep"] | None = "keep",
) -> None:
    """Discreet mode, silent notifications and auto-erase (None: off); unnamed ones stay."""
    values: dict[str, object] = {}
    if discreet is not None:
        values["discreet"] = discreet
    if silent is not None:
        values["silent"] = silent
    if auto_erase_hours != "keep":
        values["auto_erase_hours"] = auto_erase_hours
    if values:
        await conn.execute(update(person).where(person.c.id == person_id).values(**values))


async def inactive_since(conn: AsyncConnection, before: datetime) -> list[int]:
    """People not seen since `before` (never seen: by the day they were created)."""
    seen = func.coalesce(person.c.last_seen_at, person.c.created_at)
    return list((await conn.execute(select(person.c.id).where(seen < before))).scalars())
