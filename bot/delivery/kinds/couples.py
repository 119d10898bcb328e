"""The joint exercise of a couples week, and its private check-in.

Each partner receives the same exercise in their own chat and language; nothing in either
message depends on what the other partner did.
"""

from __future__ import annotations

from bot.delivery.kinds.weekly import week_of
from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.domain.buttons.member import CouplesCheckIn
from bot.domain.curriculum import context_key
from bot.domain.outbox_kinds import OutboxKind
from bot.domain.symbols import HARD, NOT_YET, YES, label
from bot.i18n import _, content_text, ngettext
from bot.runtime import Runtime
from bot.storage.outbox import Claimed


@renderer(OutboxKind.COUPLES)
async def couples_exercise(item: Claimed, rt: Runtime) -> Outgoing:
    cur_id, week = week_of(item, rt)
    ex = week.couples_exercise
    if ex is None:
        raise NothingToSend(item.kind)
    n = week.number
    title = content_text(context_key(cur_id, n, "couples_exercise.title"), ex.title)
    steps = [
        f"{i}. " + content_text(context_key(cur_id, n, f"couples_exercise.steps.{i}"), step)
        for i, step in enumerate(ex.steps, 1)
    ]
    minutes = ngettext(
        "About {n} minute, together, face to face.",
        "About {n} minutes, together, face to face.",
        ex.minutes,
    ).format(n=ex.minutes)
    heading = _("To do together this week: {title}").format(title=title)
    text = "\n\n".join(
        [
            f"<b>{heading}</b>",
            "\n".join(steps),
            minutes,
        ]
    )
    return Outgoing(text=text, protect_content=item.discreet, title=f"<b>{heading}</b>")


@renderer(OutboxKind.COUPLES_CHECKIN)
async def couples_checkin(item: Claimed, rt: Runtime) -> Outgoing:
    _cur_id, week = week_of(item, rt)
    if item.membership_id is None or week.couples_exercise is None:
        raise NothingToSend(item.kind)
    n = week.number
    text = _(
        "Did you and your partner try this week's exercise together? Only you see your answer."
    )
    m = item.membership_id
    buttons = [
        [
            (label(YES, _("Done")), CouplesCheckIn(m, n, "done").pack()),
            (label(NOT_YET, _("Not yet")), CouplesCheckIn(m, n, "notyet").pack()),
        ],
        [(label(HARD, _("It was difficult")), CouplesCheckIn(m, n, "hard").pack())],
    ]
    return Outgoing(text=text, buttons=buttons, protect_content=item.discreet)
