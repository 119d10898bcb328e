"""The rendered messages: what the renderers of ``bot/delivery/kinds`` really produce for each
week and language fits Telegram's limits (4096 characters per text, 1024 per caption) and is
valid HTML."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.content.offline import (
    FixedCurricula,
    content_catalogs,
    item_for,
    offline_runtime,
    registered_kinds,
    sample_group,
)
from bot.content.problems import Problem
from bot.delivery.render import NothingToSend, Outgoing, render
from bot.domain.curriculum import CAPTION_LIMIT, TEXT_LIMIT, Curriculum, Week, context_key
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.outbox_kinds import WEEKLY_KINDS, OutboxKind
from bot.emulator.formatting import EntityParseError, parse_html, utf16_len
from bot.i18n import content_text
from bot.settings import Settings

CALLBACK_DATA_LIMIT = 64  # bytes


def outgoing_problems(kind: str, out: Outgoing) -> list[str]:
    """What Telegram would refuse in one rendered message."""
    try:
        visible = parse_html(out.text).text
    except EntityParseError as exc:
        return [f"the {kind} message is not valid Telegram HTML: {exc}"]
    problems = []
    limit = CAPTION_LIMIT if out.media is not None else TEXT_LIMIT
    size = utf16_len(visible)
    if size > limit:
        what = "caption" if out.media is not None else "message"
        problems.append(
            f"the {kind} {what} is {size} characters after formatting; Telegram allows {limit}"
        )
    if out.media is None and not visible.strip():
        problems.append(f"the {kind} message is empty")
    for row in out.buttons:
        for label, data in row:
            if not label.strip():
                problems.append(f"the {kind} message has a button without a label")
            if len(data.encode()) > CALLBACK_DATA_LIMIT:
                problems.append(f"the {kind} button {label!r} carries more than 64 bytes")
    return problems


async def check_rendered(
    file: Path, cur: Curriculum, locales: Path, settings: Settings, found: Iterable[Problem]
) -> list[Problem]:
    # A text already reported as broken HTML breaks its message too: say it once.
    broken = {(p.week, p.text.split(":", 1)[0]) for p in found if "HTML not valid" in p.text}
    broken_source = {p.week for p in found if p.text.startswith("HTML not valid")}
    kinds = [k for k in WEEKLY_KINDS if k in registered_kinds()]
    out: list[Problem] = []
    curricula = FixedCurricula([cur], file.parent)
    with content_catalogs(locales):
        async with offline_runtime(settings, curricula) as rt:
            group_id = await sample_group(rt, cur, "en")
            for w in sorted(cur.week, key=lambda w: w.number):
                for lang in SUPPORTED_LANGUAGES:
                    skip_html = str(w.number) in broken_source or (str(w.number), lang) in broken
                    for kind in kinds:
                        item = item_for(kind, cur.id, w.number, lang, group_id=group_id)
                        try:
                            message = await render(item, rt)
                        except NothingToSend:
                            continue
                        found_here = outgoing_problems(kind, message)
                        if kind == OutboxKind.GUIDE and not _guide_complete(
                            cur.id, w, lang, message
                        ):
                            found_here.append(
                                "the guide is longer than Telegram's 4096 characters: its last "
                                "blocks are cut off; shorten the session plan"
                            )
                        for text in found_here:
                            if skip_html and "HTML" in text:
                                continue
                            where = f"message.{kind}"
                            out.append(Problem(str(file), str(w.number), where, f"{lang}: {text}"))
    return out


def _guide_complete(cur_id: str, week: Week, lang: str, message: Outgoing) -> bool:
    """The guide renderer cuts a guide over Telegram's limit at a block boundary; its last
    block (take home) is then missing."""
    take_home = week.session_plan.take_home
    return (
        content_text(context_key(cur_id, week.number, "session_plan.take_home"), take_home, lang)
        in message.text
    )
