"""The joint exercise of a couples week, and its private check-in.

Each partner receives the same exercise in their own chat and language; nothing in either
message depends on what the other partner did.
"""

from __future__ import annotations

from bot.delivery.kinds.weekly import week_of
from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.domain.curriculum import context_key
from bot.handlers.callbacks import couples_checkin_data
from bot.i18n import _, content_text, ngettext
from bot.runtime import Runtime
from bot.storage.outbox import Claimed


@renderer("couples")
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
    return Outgoing(text=text, protect_content=item.discreet)


@renderer("couples_checkin")
async def couples_checkin(item: Claimed, rt: Runtime) -> Outgoing:
    _cur_id, week = week_of(item, rt)
    if item.membership_id is None or week.couples_exercise is None:
        raise NothingToSend(item.kind)
    n = week.number
    text = _(
        "Did you and your partner try this week's exercise together? Only you see your answer."
    )
    buttons = [
        [
            (_("Done"), couples_checkin_data(item.membership_id, n, "done")),
            (_("Not yet"), couples_checkin_data(item.membership_id, n, "notyet")),
        ],
        [(_("It was difficult"), couples_checkin_data(item.membership_id, n, "hard"))],
    ]
    return Outgoing(text=text, buttons=buttons, protect_content=item.discreet)
