"""Turn an outbox item into the text and buttons one person receives, in their language."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.registry import Curricula
from bot.domain.curriculum import Week, context_key
from bot.handlers.callbacks import checkin_data
from bot.i18n import _, content_text, use_language
from bot.storage.outbox import Claimed

Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class Outgoing:
    text: str
    buttons: Buttons = field(default_factory=list)
    protect_content: bool = False
    disable_notification: bool = False


class NothingToSend(Exception):
    """The item refers to content that no longer exists (a curriculum removed, say)."""


def render(item: Claimed, curricula: Curricula) -> Outgoing:
    with use_language(item.language or "en"):
        if item.kind == "prompt":
            return _prompt(item, curricula)
        if item.kind == "checkin":
            return _checkin(item, curricula)
    raise NothingToSend(item.kind)


def _text(cur_id: str, week: int, name: str, source: str | None) -> str:
    if source is None:
        raise NothingToSend(f"{cur_id}:w{week}:{name}")
    return content_text(context_key(cur_id, week, name), source)


def _week(item: Claimed, curricula: Curricula) -> tuple[str, Week]:
    cur = curricula.get(item.curriculum_id or "")
    if cur is None or item.week is None:
        raise NothingToSend(item.kind)
    try:
        return cur.id, cur.get_week(item.week)
    except KeyError:
        raise NothingToSend(item.kind) from None


def _prompt(item: Claimed, curricula: Curricula) -> Outgoing:
    cur_id, week = _week(item, curricula)
    n = week.number
    title = _("Week {number}: {theme}").format(
        number=n, theme=_text(cur_id, n, "theme", week.theme)
    )
    text = "\n\n".join(
        [
            f"<b>{title}</b>",
            _text(cur_id, n, "prompt", week.prompt),
            f"<b>{_('Your challenge this week')}</b>\n"
            + _text(cur_id, n, "challenge", week.challenge),
        ]
    )
    return Outgoing(text=text, protect_content=item.discreet)


def _checkin(item: Claimed, curricula: Curricula) -> Outgoing:
    cur_id, week = _week(item, curricula)
    assert item.membership_id is not None
    text = _text(cur_id, week.number, "checkin", week.checkin)
    row = [
        (_("Done"), checkin_data(item.membership_id, week.number, "done")),
        (_("Partly"), checkin_data(item.membership_id, week.number, "partly")),
        (_("Not yet"), checkin_data(item.membership_id, week.number, "notyet")),
    ]
    return Outgoing(text=text, buttons=[row], protect_content=item.discreet)
