"""What a recorder reads aloud, and how an item is named on his screens.

An item's text is what members of the recording's language read: made by the renderer of the
members' message where there is one (the week's prompt, check-in and couples exercise), by the
same words as the check-in's tip and the joining screens otherwise, in that language through
the catalogs as members see them (Bambara falls back to French until its catalog is reviewed).
"""

from __future__ import annotations

from bot.delivery.kinds import couples, weekly
from bot.delivery.render import NothingToSend
from bot.domain.audio import AudioItem, AudioKey
from bot.domain.curriculum import context_key
from bot.domain.outbox_kinds import OutboxKind
from bot.handlers.join import _consent_text
from bot.handlers.language_notice import language_notice_text
from bot.i18n import LANGUAGE_NAMES, _, content_text, use_language
from bot.runtime import Runtime
from bot.storage.outbox import Claimed

_RENDERED = {
    AudioItem.PROMPT: (OutboxKind.PROMPT, weekly.prompt),
    AudioItem.CHECKIN: (OutboxKind.CHECKIN, weekly.checkin),
    AudioItem.COUPLES: (OutboxKind.COUPLES, couples.couples_exercise),
}


def item_name(item: AudioItem) -> str:
    names = {
        AudioItem.PROMPT: _("the week's message and challenge"),
        AudioItem.CHECKIN: _("the check-in question"),
        AudioItem.TIP: _("the tip after the check-in"),
        AudioItem.COUPLES: _("the couples exercise"),
        AudioItem.CONDUCT: _("the group's code of conduct"),
        AudioItem.CONSENT: _("the consent screen of joining"),
        AudioItem.LANGUAGE_NOTICE: _("the notice about written messages in French"),
    }
    return names[item]


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def curriculum_name(curriculum: str) -> str:
    return curriculum or _("Foyer's own screens")


def key_label(key: AudioKey) -> str:
    """men-groups-12 · week 3 · the check-in question · Bamanankan (plain text)."""
    parts = [curriculum_name(key.curriculum)]
    if key.week:
        parts.append(_("week {number}").format(number=key.week))
    parts += [item_name(key.item), language_name(key.language)]
    return " · ".join(parts)


async def _rendered(rt: Runtime, key: AudioKey) -> str:
    kind, render = _RENDERED[key.item]
    item = Claimed(
        id=0,
        chat_id=0,
        kind=kind.value,
        week=key.week,
        ref=None,
        attempts=0,
        due_at=rt.clock.now(),
        membership_id=0,  # the check-in's buttons are not shown to the recorder
        language=key.language,
        discreet=False,
        silent=False,
        auto_erase_hours=None,
        person_id=None,
        group_id=None,
        group_name=None,
        curriculum_id=key.curriculum,
        timezone=None,
    )
    return (await render(item, rt)).text


async def item_text(rt: Runtime, key: AudioKey) -> str:
    """The text to read for ``key`` (HTML), as members of its language read it."""
    with use_language(key.language):
        try:
            if key.item in _RENDERED:
                return await _rendered(rt, key)
            cur = rt.curricula.get(key.curriculum)
            if key.item is AudioItem.TIP and cur is not None:
                week = cur.get_week(key.week)
                return content_text(context_key(cur.id, key.week, "tip"), week.tip or "")
            if key.item is AudioItem.CONDUCT and cur is not None:
                return content_text(
                    context_key(cur.id, None, "code_of_conduct"), cur.code_of_conduct
                )
            if key.item is AudioItem.CONSENT:
                return _consent_text()
        except (NothingToSend, KeyError):
            return ""
    if key.item is AudioItem.LANGUAGE_NOTICE:
        return language_notice_text()  # written in French: the recording says it in Bambara
    return ""
