"""`foyer content preview`: what one person receives in one week, exactly as the bot sends it.

The messages come from the sender's own renderers (``bot.delivery.render.render`` over the
outbox row the planner would write), in the planner's order and with the planner's rule of who
receives what (``bot.domain.couples.recipients``). HTML is shown as the person sees it (tags
removed), or as sent with ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.content.offline import (
    content_catalogs,
    item_for,
    offline_runtime,
    registered_kinds,
    sample_group,
)
from bot.delivery.due import CARRIES
from bot.delivery.render import NothingToSend, Outgoing, render
from bot.domain.couples import MEMBER, PARTNER, parse_weeks, recipients
from bot.domain.curricula import Curricula
from bot.domain.curriculum import Audience, Curriculum, context_key
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.outbox_kinds import OutboxKind
from bot.domain.schedule import EventKind
from bot.emulator.formatting import parse_html
from bot.i18n import LANGUAGE_NAMES, _, content_text, use_language
from bot.paths import locales_dir
from bot.settings import Settings

FACILITATOR = "facilitator"
ROLES = (MEMBER, FACILITATOR, PARTNER)
# The facilitator's discussion guide (bot/delivery/kinds/facilitator.py).
GUIDE_KIND = OutboxKind.GUIDE.value


class PreviewError(Exception):
    """A request that cannot be previewed; one line for the author."""


@dataclass(frozen=True)
class Shown:
    """One message as the person receives it (or, for a follow-up, as it becomes)."""

    heading: str
    html: str  # as sent, Telegram HTML
    buttons: list[list[str]] = field(default_factory=list)
    media: str | None = None

    @property
    def text(self) -> str:
        """What the person reads: the HTML parsed as Telegram parses it."""
        return parse_html(self.html).text

    def render(self, raw: bool = False) -> str:
        lines = [f"── {self.heading} ──"]
        if self.media:
            lines.append(f"({self.media}, with this caption)")
        lines.append(self.html if raw else self.text)
        lines += [" ".join(f"[{label}]" for label in row) for row in self.buttons]
        return "\n".join(lines)


def _shown(heading: str, out: Outgoing) -> Shown:
    return Shown(
        heading=heading,
        html=out.text,
        buttons=[[label for label, _data in row] for row in out.buttons],
        media=out.media[0] if out.media else None,
    )


def find_curriculum(curricula: Curricula, name: str) -> Curriculum:
    cur = curricula.get(name)
    if cur is None:
        known = ", ".join(curricula.ids()) or "none"
        raise PreviewError(f"no curriculum {name!r} (known: {known})")
    return cur


def default_couples_weeks(cur: Curriculum, role: str) -> str:
    """A men's group has no couples track unless it chooses one; a partner implies one."""
    if role == PARTNER or cur.audience is Audience.COUPLES:
        return ",".join(str(w.number) for w in cur.week if w.couples_exercise is not None)
    return ""


def _checkin_answers(cur: Curriculum, week: int, lang: str, labels: list[str]) -> list[Shown]:
    """How the check-in message is edited after an answer (bot/handlers/checkin.py)."""
    done, partly, notyet = labels[:3]
    w = cur.get_week(week)
    with use_language(lang):
        well_done = _("Well done! Thank you for trying this week's challenge.")
        tip = content_text(context_key(cur.id, week, "tip"), w.tip or "")
        text = _("Thank you for being honest. Here is an idea that may help:")
    return [
        Shown(f"after [{done}], the check-in becomes", well_done),
        Shown(
            f"after [{partly}] or [{notyet}], the check-in becomes",
            f"{text}\n\n{tip}" if tip else text,
        ),
    ]


def _kinds_for(role: str, cur: Curriculum, week: int, couples_weeks: str) -> list[tuple[str, str]]:
    """(kind, when) in the order the planner sends them to this role."""
    if role == FACILITATOR:
        if GUIDE_KIND not in registered_kinds():
            raise PreviewError(
                "the facilitator preview is not available yet: no renderer for the "
                f"discussion guide (outbox kind {GUIDE_KIND!r}) is registered"
            )
        return [(GUIDE_KIND, "before the meeting")]
    moments = {EventKind.PROMPT: "at delivery time", EventKind.CHECKIN: "at check-in time"}
    out: list[tuple[str, str]] = []
    for event, when in moments.items():
        for kind in CARRIES[event]:
            if role in recipients(kind, week, cur, couples_weeks):
                out.append((kind, when))
    return out


async def preview(
    settings: Settings,
    curricula: Curricula,
    name: str,
    week: int,
    lang: str,
    role: str = MEMBER,
    *,
    couples_weeks: str | None = None,
    locales: Path | None = None,
) -> list[Shown]:
    """Every message ``role`` receives in ``week`` of curriculum ``name``, in order."""
    cur = find_curriculum(curricula, name)
    if not 1 <= week <= cur.weeks:
        raise PreviewError(f"{cur.id} has weeks 1 to {cur.weeks}, not {week}")
    if lang not in SUPPORTED_LANGUAGES:
        raise PreviewError(f"no language {lang!r} (one of {', '.join(SUPPORTED_LANGUAGES)})")
    if role not in ROLES:
        raise PreviewError(f"no role {role!r} (one of {', '.join(ROLES)})")
    chosen = default_couples_weeks(cur, role) if couples_weeks is None else couples_weeks
    try:
        parse_weeks(chosen)
    except ValueError:
        raise PreviewError(f"--couples-weeks {chosen!r}: week numbers such as 3,6,9,12") from None
    kinds = _kinds_for(role, cur, week, chosen)
    missing = [k for k, _when in kinds if k not in registered_kinds()]
    if missing:
        raise PreviewError(
            f"the {role} preview is not available yet: no renderer for {', '.join(missing)}"
        )
    shown: list[Shown] = []
    with content_catalogs(locales or locales_dir()):
        async with offline_runtime(settings, curricula) as rt:
            group_id = await sample_group(rt, cur, lang, chosen)
            for kind, when in kinds:
                try:
                    out = await render(item_for(kind, cur.id, week, lang, group_id=group_id), rt)
                except NothingToSend:
                    continue
                message = _shown(f"{len(shown) + 1}. {kind}, {when}", out)
                shown.append(message)
                if kind == OutboxKind.CHECKIN and message.buttons and len(message.buttons[0]) >= 3:
                    shown += _checkin_answers(cur, week, lang, message.buttons[0])
    return shown


def format_preview(
    shown: list[Shown], cur_id: str, week: int, lang: str, role: str, raw: bool = False
) -> str:
    language = LANGUAGE_NAMES.get(lang, lang)
    head = f"{cur_id}, week {week}, {language} ({lang}), as {role}"
    if not shown:
        return f"{head}: receives nothing this week"
    count = sum(1 for s in shown if s.heading[:1].isdigit())
    plural = "message" if count == 1 else "messages"
    blocks = [f"{head}: {count} {plural}"] + [s.render(raw) for s in shown]
    return "\n\n".join(blocks)
