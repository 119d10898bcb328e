"""Messages around the meetings and from facilitators: the discussion guide, reminders, the
session log question, broadcasts and their summary, the weekly group summary, removal."""

from __future__ import annotations

import html
from contextlib import AbstractContextManager, nullcontext

from bot.delivery.due import schedule_for
from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.domain.buttons.staff import SessionHeld
from bot.domain.curriculum import context_key
from bot.domain.outbox_kinds import OutboxKind
from bot.domain.policy import suppress
from bot.i18n import _, content_text, format_when, ngettext, use_language
from bot.reports.aggregates import group_totals, shown
from bot.reports.text import week_block
from bot.runtime import Runtime
from bot.storage import broadcasts, groups
from bot.storage.groups import GroupRow
from bot.storage.outbox import Claimed


async def _group(item: Claimed, rt: Runtime) -> GroupRow:
    if item.group_id is None:
        raise NothingToSend(item.kind)
    async with rt.engine.connect() as conn:
        g = await groups.get(conn, item.group_id)
    if g is None:
        raise NothingToSend(item.kind)
    return g


def _in_chat_language(item: Claimed, g: GroupRow) -> AbstractContextManager[None]:
    """A group chat has no person: it reads the group's language."""
    return use_language(g.language) if item.person_id is None else nullcontext()


def _c(cur_id: str, week: int, field: str, source: str) -> str:
    return content_text(context_key(cur_id, week, field), source)


@renderer(OutboxKind.GUIDE)
async def guide(item: Claimed, rt: Runtime) -> Outgoing:
    """The week's session plan, short blocks with headings, for reading on a phone."""
    g = await _group(item, rt)
    cur = rt.curricula.get(g.curriculum_id)
    schedule = schedule_for(rt, g)
    if cur is None or schedule is None or item.week is None:
        raise NothingToSend(item.kind)
    n = item.week
    plan = cur.get_week(n).session_plan
    theme = _c(cur.id, n, "theme", cur.get_week(n).theme)
    when = format_when(schedule.meeting_at(n), g.timezone)
    minutes = ngettext("{n} minute", "{n} minutes", plan.duration_minutes).format(
        n=plan.duration_minutes
    )
    steps = "\n".join(
        f"{i}. " + _c(cur.id, n, f"session_plan.activity.steps.{i}", s)
        for i, s in enumerate(plan.activity.steps, 1)
    )
    questions = "\n".join(
        "• " + _c(cur.id, n, f"session_plan.questions.{i}", q)
        for i, q in enumerate(plan.questions, 1)
    )
    activity = _c(cur.id, n, "session_plan.activity.title", plan.activity.title)
    opening = _c(cur.id, n, "session_plan.opening", plan.opening)
    closing = _c(cur.id, n, "session_plan.closing", plan.closing)
    take_home = _c(cur.id, n, "session_plan.take_home", plan.take_home)
    blocks = [
        _("<b>Discussion guide, week {number}: {theme}</b>").format(number=n, theme=theme),
        _("{group}: meeting on {when} ({minutes})").format(
            group=html.escape(g.name), when=when, minutes=minutes
        ),
        _heading(_("Opening"), opening),
        _heading(_("Activity: {title}").format(title=activity), steps),
        _heading(_("Questions"), questions),
        _heading(_("Closing"), closing),
        _heading(_("Take home"), take_home),
    ]
    return Outgoing(text=_fit("\n\n".join(blocks)), programme=False)


def _heading(title: str, body: str) -> str:
    return "<b>" + title + "</b>\n" + body


def _fit(text: str, limit: int = 4096) -> str:
    """Telegram's limit; a guide longer than that is cut at a block boundary."""
    while len(text) > limit and "\n\n" in text:
        text = text.rsplit("\n\n", 1)[0]
    return text[:limit]


async def _reminder(item: Claimed, rt: Runtime, tomorrow: bool) -> Outgoing:
    g = await _group(item, rt)
    schedule = schedule_for(rt, g)
    if schedule is None or item.week is None:
        raise NothingToSend(item.kind)
    with _in_chat_language(item, g):
        when = format_when(schedule.meeting_at(item.week), g.timezone)
        # No group name and nothing about the programme: a preview on a shared phone says little.
        if tomorrow:
            text = _("Reminder: your group meets tomorrow, {when}.").format(when=when)
        else:
            text = _("Reminder: your group meets in one hour, {when}.").format(when=when)
    return Outgoing(text=text, protect_content=item.discreet)


@renderer(OutboxKind.REMINDER_24H)
async def reminder_24h(item: Claimed, rt: Runtime) -> Outgoing:
    return await _reminder(item, rt, tomorrow=True)


@renderer(OutboxKind.REMINDER_1H)
async def reminder_1h(item: Claimed, rt: Runtime) -> Outgoing:
    return await _reminder(item, rt, tomorrow=False)


@renderer(OutboxKind.CHAT_QUESTION)
async def chat_question(item: Claimed, rt: Runtime) -> Outgoing:
    """The group chat gets the week's first discussion question after each meeting."""
    g = await _group(item, rt)
    cur = rt.curricula.get(g.curriculum_id)
    if cur is None or item.week is None:
        raise NothingToSend(item.kind)
    week = cur.get_week(item.week)
    with use_language(g.language):
        question = _c(cur.id, item.week, "session_plan.questions.1", week.session_plan.questions[0])
        theme = _c(cur.id, item.week, "theme", week.theme)
        head = _("<b>Week {number}: {theme}</b>").format(number=item.week, theme=theme)
        lead = _("A question to keep talking about:")
        text = f"{head}\n\n{lead}\n{question}"
    return Outgoing(text=text)


@renderer(OutboxKind.SESSION_ASK)
async def session_ask(item: Claimed, rt: Runtime) -> Outgoing:
    g = await _group(item, rt)
    if item.week is None:
        raise NothingToSend(item.kind)
    text = _("<b>{group}</b>, week {number}: did the session take place?").format(
        group=html.escape(g.name), number=item.week
    )
    buttons = [
        [
            (_("Yes"), SessionHeld(g.id, item.week, True).pack()),
            (_("No"), SessionHeld(g.id, item.week, False).pack()),
        ]
    ]
    return Outgoing(text=text, buttons=buttons, programme=False)


@renderer(OutboxKind.SUMMARY)
async def weekly_summary(item: Claimed, rt: Runtime) -> Outgoing:
    """ "How our group did": the same suppressed totals as the facilitators' report."""
    g = await _group(item, rt)
    schedule = schedule_for(rt, g)
    if schedule is None or item.week is None:
        raise NothingToSend(item.kind)
    async with rt.engine.connect() as conn:
        totals = await group_totals(conn, g.id, schedule, rt.clock.now())
    week = next((w for w in totals.weeks if w.week == item.week), None)
    if week is None:
        raise NothingToSend(item.kind)
    with _in_chat_language(item, g):
        day = format_when(schedule.meeting_at(week.week), g.timezone)
        text = "\n\n".join(
            [
                _("<b>How our group did</b>"),
                week_block(shown(week, rt.settings.min_count), day),
                _("Only totals for the whole group are shown, never one person."),
            ]
        )
    return Outgoing(text=text, protect_content=item.discreet)


async def _broadcast(item: Claimed, rt: Runtime) -> broadcasts.BroadcastRow:
    if item.ref is None or not item.ref.isdigit():
        raise NothingToSend(item.kind)
    async with rt.engine.connect() as conn:
        row = await broadcasts.get(conn, int(item.ref))
    if row is None:
        raise NothingToSend(item.kind)
    return row


@renderer(OutboxKind.BROADCAST)
async def broadcast(item: Claimed, rt: Runtime) -> Outgoing:
    row = await _broadcast(item, rt)
    head = "<b>" + _("Message from your facilitator") + "</b>"
    body = html.escape(row.text) if row.text else ""
    text = f"{head}\n\n{body}" if body else head
    media = (row.kind, row.file_id) if row.kind in ("photo", "voice", "audio") else None
    if media is not None and row.file_id is None:
        raise NothingToSend(item.kind)
    return Outgoing(text=text, media=media, protect_content=item.discreet)  # type: ignore[arg-type]


@renderer(OutboxKind.REMIND)
async def remind(item: Claimed, rt: Runtime) -> Outgoing:
    """A facilitator's one-off reminder of the next meeting."""
    g = await _group(item, rt)
    schedule = schedule_for(rt, g)
    week = schedule.next_meeting_week(item.due_at) if schedule else None
    with _in_chat_language(item, g):
        if schedule is None or week is None:
            text = _("Reminder from your facilitator: please come to our next meeting.")
        else:
            when = format_when(schedule.meeting_at(week), g.timezone)
            text = _("Reminder from your facilitator: our group meets on {when}.").format(when=when)
    return Outgoing(text=text, protect_content=item.discreet)


@renderer(OutboxKind.BROADCAST_SUMMARY)
async def broadcast_summary(item: Claimed, rt: Runtime) -> Outgoing:
    row = await _broadcast(item, rt)
    g = await _group(item, rt)
    async with rt.engine.connect() as conn:
        outcome = await broadcasts.outcome(conn, row.id)
    # Counts of people, hidden when small as in reports: "Blocked Foyer: 1" names someone.
    k = rt.settings.min_count
    sent = html.escape(suppress(outcome.get("sent", 0), k))
    blocked = html.escape(suppress(outcome.get("blocked", 0), k))
    failed = html.escape(suppress(outcome.get("failed", 0) + outcome.get("expired", 0), k))
    lines = [
        _("Your message to <b>{group}</b> has gone out.").format(group=html.escape(g.name)),
        _("Members reached: {count}").format(count=sent),
        _("Blocked Foyer: {n}").format(n=blocked),
        _("Could not be delivered: {n}").format(n=failed),
        _("A count under {n} shows as {hidden}, so nobody can be singled out.").format(
            n=k, hidden=html.escape(suppress(0, k))
        ),
    ]
    return Outgoing(text="\n".join(lines), programme=False)


@renderer(OutboxKind.REMOVED)
async def removed(item: Claimed, rt: Runtime) -> Outgoing:
    """Neutral on purpose: no reason, no group name (the phone may be shared)."""
    return Outgoing(
        text=_(
            "You are no longer part of this group, so Foyer will not send you its messages "
            "any more. Thank you for the time you took part."
        ),
        programme=False,
    )
