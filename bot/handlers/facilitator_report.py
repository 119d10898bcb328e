"""/report (totals, small counts suppressed, and a chart) and /export (the same as CSV)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, filters

from bot.domain.buttons.group_actions import GroupExport, GroupReport
from bot.domain.buttons.staff import ExportFor, ExportWeeks, ReportOn
from bot.domain.policy import Unavailable, suppress
from bot.domain.schedule import to_utc
from bot.handlers.common import edit, reply, rt
from bot.handlers.dialogue import Awaiting, Question, answers_typed, expect, forget
from bot.handlers.facilitator_pick import picking_command
from bot.handlers.routing import answers
from bot.handlers.staff_auth import (
    Context,
    group_action,
    opens,
    refuse,
)
from bot.i18n import _, format_day
from bot.reports.aggregates import shown
from bot.reports.text import chart_labels, week_block
from bot.services import reports
from bot.services.staff_access import Facilitating


async def send_report(update: Update, context: Context, f: Facilitating) -> None:
    g = f.group
    try:
        r = await reports.report(rt(context), g)
    except Unavailable:  # its curriculum is gone
        await refuse(update)
        return
    t, k = r.totals, r.min_count
    head = [
        _("<b>Report: {group}</b>").format(group=html.escape(g.name)),
        _("Members now: {count}").format(count=html.escape(suppress(t.members, k))),
        _("Active in the last 7 days: {count}").format(count=html.escape(suppress(t.active_7d, k))),
        # Meetings, not people: the count is exact.
        _("Sessions held: {count}").format(count=t.sessions_held),
        _(
            "Only totals for the whole group. A count under {n} shows as {hidden}, so nobody "
            "can be singled out. Check-ins count only members who agreed to be counted."
        ).format(n=k, hidden=html.escape(suppress(0, k))),
    ]
    blocks = ["\n".join(head)]
    for w in t.weeks:
        day = format_day(to_utc(w.meeting_day, g.meet_time, ZoneInfo(g.timezone)), g.timezone)
        blocks.append(week_block(shown(w, k), day))
    if not t.weeks:
        blocks.append(_("No week has started yet."))
    await edit(update, "\n\n".join(blocks)[:4096])
    if t.weeks:
        png = await reports.chart(r, g.name, chart_labels())
        chat = update.effective_chat
        assert chat is not None
        await chat.send_photo(
            InputFile(png, filename="report.png"),
            caption=_("The same totals as a chart."),
            parse_mode=ParseMode.HTML,
        )


# The report from /report's choice of group, or from the group's menu.
answers(ReportOn)(opens(send_report))
answers(GroupReport)(opens(send_report))


async def ask_export(update: Update, context: Context, f: Facilitating) -> None:
    g = f.group
    expect(context, f.telegram_id, Awaiting(Question.EXPORT, g.id))
    await edit(
        update,
        _(
            "Which weeks? Tap a choice, or type two dates (the first and last meeting day), "
            "like this: 2026-12-01 2027-01-31"
        ),
        [
            [(_("All weeks"), ExportWeeks(g.id, "all").pack())],
            [(_("The last 4 weeks"), ExportWeeks(g.id, "4w").pack())],
            [(_("The last 12 weeks"), ExportWeeks(g.id, "12w").pack())],
        ],
    )


answers(ExportFor)(opens(ask_export))
answers(GroupExport)(opens(ask_export))


async def _send_csv(
    update: Update, context: Context, f: Facilitating, start: date | None, end: date | None
) -> None:
    group_id = f.group.id
    try:
        data = await reports.export_csv(rt(context), f.group, start, end)
    except Unavailable:  # its curriculum is gone
        await refuse(update)
        return
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(data, filename=f"foyer-group-{group_id}.csv"),
        caption=_("Group totals as CSV (counts under {n} show as {hidden}).").format(
            n=rt(context).settings.min_count,
            hidden=html.escape(suppress(0, rt(context).settings.min_count)),
        ),
        parse_mode=ParseMode.HTML,
    )


@group_action(ExportWeeks)
async def on_export_weeks(
    update: Update, context: Context, b: ExportWeeks, f: Facilitating
) -> None:
    forget(context, f.telegram_id)
    today = rt(context).clock.now().date()
    start = None if b.span == "all" else today - timedelta(weeks=4 if b.span == "4w" else 12)
    await edit(update, _("Here is the file."))
    await _send_csv(update, context, f, start, None)


@answers_typed(Question.EXPORT)
async def export_typed(
    update: Update, context: Context, awaiting: Awaiting, f: Facilitating, text: str
) -> None:
    parts = text.split()
    try:
        if len(parts) != 2:
            raise ValueError
        start, end = date.fromisoformat(parts[0]), date.fromisoformat(parts[1])
        if end < start:
            raise ValueError
    except ValueError:
        expect(context, f.telegram_id, awaiting)
        await reply(
            update,
            _("Please send two dates, the earlier first, like this: 2026-12-01 2027-01-31"),
        )
        return
    await _send_csv(update, context, f, start, end)


report_command = picking_command(ReportOn, send_report)
export_command = picking_command(ExportFor, ask_export)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("report", report_command, filters=private))
    app.add_handler(CommandHandler("export", export_command, filters=private))
