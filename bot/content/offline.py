"""Render curriculum messages without Telegram and without the deployment's database.

`foyer content check` and `foyer content preview` call the very renderers the sender uses
(``bot.delivery.render.render``), so what they show or measure is what people receive. The
weekly renderers need only the curricula. Renderers that read the group (the facilitator's guide:
its name and meeting time) find a sample group in a private, throwaway database, so a preview
never reads (or writes) anyone's data.
"""

from __future__ import annotations

import gettext
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import i18n
from bot.delivery.kinds import REGISTERED
from bot.domain.curricula import Curricula
from bot.domain.curriculum import Curriculum
from bot.domain.schedule import GroupSchedule
from bot.infra.clock import SystemClock
from bot.paths import locales_dir
from bot.runtime import Runtime
from bot.services.group_setup import GroupSpec, create_groups
from bot.settings import Settings
from bot.storage.db import make_engine
from bot.storage.outbox import Claimed
from bot.storage.tables import metadata

# Placeholder ids for the one person a preview shows: they appear only inside button data.
PREVIEW_MEMBERSHIP_ID = 1
PREVIEW_PERSON_ID = 1
PREVIEW_CHAT_ID = 1
# The sample group's schedule: meets Thursdays 17:00 UTC from 3 December 2026, delivers Fridays.
SAMPLE_GROUP_NAME = "Sample group"
SAMPLE_START = date(2026, 12, 3)


class FixedCurricula(Curricula):
    """A registry holding exactly the given curricula (a single file being checked, say)."""

    def __init__(self, curricula: list[Curriculum], root: Path) -> None:
        self.root = root
        self._by_id = {c.id: c for c in curricula}


def registered_kinds() -> frozenset[str]:
    return frozenset(kind for kind, _render in REGISTERED)


@asynccontextmanager
async def offline_runtime(settings: Settings, curricula: Curricula) -> AsyncIterator[Runtime]:
    """A Runtime for rendering: the given content, a throwaway database with Foyer's tables."""
    with tempfile.TemporaryDirectory(prefix="foyer-content-") as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'preview.db'}")
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            yield Runtime(
                settings=settings, engine=engine, clock=SystemClock(), curricula=curricula
            )
        finally:
            await engine.dispose()


async def sample_group(rt: Runtime, cur: Curriculum, lang: str, couples_weeks: str = "") -> int:
    """A group following ``cur`` in the throwaway database, for renderers that read the group."""
    spec = GroupSpec(
        name=SAMPLE_GROUP_NAME,
        curriculum_id=cur.id,
        language=lang,
        schedule=GroupSchedule(
            timezone="UTC",
            meet_weekday=3,
            meet_time=time(17, 0),
            deliver_weekday=4,
            deliver_time=time(9, 0),
            starts=SAMPLE_START,
            weeks=cur.weeks,
        ),
        couples_weeks=couples_weeks,
    )
    ((group_id, _code),) = await create_groups(rt, [spec])
    return group_id


def item_for(
    kind: str,
    cur_id: str,
    week: int,
    lang: str,
    *,
    group_id: int | None = None,
) -> Claimed:
    """The outbox row the planner would write for one person, as the sender claims it."""
    return Claimed(
        id=0,
        chat_id=PREVIEW_CHAT_ID,
        kind=kind,
        week=week,
        ref=None,
        attempts=0,
        due_at=datetime(2000, 1, 1, tzinfo=UTC),
        membership_id=PREVIEW_MEMBERSHIP_ID,
        language=lang,
        discreet=False,
        silent=False,
        auto_erase_hours=None,
        person_id=PREVIEW_PERSON_ID,
        group_id=group_id,
        group_name=SAMPLE_GROUP_NAME,
        curriculum_id=cur_id,
        timezone="UTC",
    )


def _layer(root: Path, lang: str) -> gettext.GNUTranslations | None:
    po = root / lang / "LC_MESSAGES" / f"{i18n.CONTENT_DOMAIN}.po"
    if not po.is_file():
        return None
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=i18n.CONTENT_DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # as bot.i18n: fuzzy entries fall back
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@contextmanager
def content_catalogs(root: Path) -> Iterator[None]:
    """Make the renderers read the content catalogs of ``root`` for the duration.

    bot.i18n knows only the shipped locales folder. Checking another one (a translator's
    working copy, the tests' broken samples) must still go through the real renderers, so the
    content domain is pointed at ``root`` here, with the same fallback chain; the interface
    domain is untouched. Single-threaded command-line use only.
    """
    if root.resolve() == locales_dir().resolve():
        yield
        return
    original = i18n._translations
    built: dict[str, gettext.NullTranslations] = {}

    def translations(domain: str, lang: str) -> gettext.NullTranslations:
        if domain != i18n.CONTENT_DOMAIN:
            return original(domain, lang)
        if lang not in built:
            head: gettext.NullTranslations | None = None
            for code in i18n.fallback_chain(lang):
                layer = _layer(root, code)
                if layer is None:
                    continue
                if head is None:
                    head = layer
                else:
                    head.add_fallback(layer)
            built[lang] = head or gettext.NullTranslations()
        return built[lang]

    i18n._translations = translations  # type: ignore[assignment]
    try:
        yield
    finally:
        i18n._translations = original
