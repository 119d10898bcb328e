"""The weekly programme: week N's prompt and challenge, then the check-in."""

from __future__ import annotations

from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.domain.buttons.member import CheckIn
from bot.domain.curriculum import Week, context_key
from bot.domain.outbox_kinds import OutboxKind
from bot.domain.symbols import NOT_YET, PARTLY, YES, label
from bot.i18n import _, content_text
from bot.runtime import Runtime
from bot.storage.outbox import Claimed


def _text(cur_id: str, week: int, name: str, source: str | None) -> str:
    if source is None:
        raise NothingToSend(f"{cur_id}:w{week}:{name}")
    return content_text(context_key(cur_id, week, name), source)


def week_of(item: Claimed, rt: Runtime) -> tuple[str, Week]:
    cur = rt.curricula.get(item.curriculum_id or "")
    if cur is None or item.week is None:
        raise NothingToSend(item.kind)
    try:
        return cur.id, cur.get_week(item.week)
    except KeyError:
        raise NothingToSend(item.kind) from None


@renderer(OutboxKind.PROMPT)
async def prompt(item: Claimed, rt: Runtime) -> Outgoing:
    cur_id, week = week_of(item, rt)
    n = week.number
    title = _("Week {number}: {theme}").format(
        number=n, theme=_text(cur_id, n, "theme", week.theme)
    )
    challenge = _text(cur_id, n, "challenge", week.challenge)
    text = "\n\n".join(
        [
            f"<b>{title}</b>",
            _text(cur_id, n, "prompt", week.prompt),
            "<b>{}</b>\n{}".format(_("Your challenge this week"), challenge),
        ]
    )
    return Outgoing(text=text, protect_content=item.discreet, title=f"<b>{title}</b>")


@renderer(OutboxKind.CHECKIN)
async def checkin(item: Claimed, rt: Runtime) -> Outgoing:
    cur_id, week = week_of(item, rt)
    if item.membership_id is None:
        raise NothingToSend(item.kind)
    text = _text(cur_id, week.number, "checkin", week.checkin)
    m, n = item.membership_id, week.number
    row = [
        (label(YES, _("Done")), CheckIn(m, n, "done").pack()),
        (label(PARTLY, _("Partly")), CheckIn(m, n, "partly").pack()),
        (label(NOT_YET, _("Not yet")), CheckIn(m, n, "notyet").pack()),
    ]
    return Outgoing(text=text, buttons=[row], protect_content=item.discreet)
