"""/report (totals, small counts suppressed, and a chart) and /export (the same as CSV)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.domain.policy import suppress
from bot.domain.schedule import to_utc
from bot.handlers.callbacks import ROUTES, export_data, parse_export
from bot.handlers.common import edit, reply, rt
from bot.handlers.facilitator_common import Awaiting, expect, forget, group_or_refuse, refuse
from bot.i18n import _, format_day
from bot.reports.aggregates import shown
from bot.reports.text import chart_labels, week_block
from bot.services import reports
from bot.storage.groups import GroupRow


async def send_report(update: Update, context: ContextTypes.DEFAULT_TYPE, g: GroupRow) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    r = await reports.report(rt(context), uid, g.id)
    if r is None:
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


async def ask_export(update: Update, context: ContextTypes.DEFAULT_TYPE, g: GroupRow) -> None:
    expect(context, update.effective_user.id, Awaiting("export", g.id))  # type: ignore[union-attr]
    await edit(
        update,
        _(
            "Which weeks? Tap a choice, or type two dates (the first and last meeting day), "
            "like this: 2026-12-01 2027-01-31"
        ),
        [
            [(_("All weeks"), export_data(g.id, "all"))],
            [(_("The last 4 weeks"), export_data(g.id, "4w"))],
            [(_("The last 12 weeks"), export_data(g.id, "12w"))],
        ],
    )


async def _send_csv(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    group_id: int,
    start: date | None,
    end: date | None,
) -> None:
    uid = update.effective_user.id  # type: ignore[union-attr]
    data = await reports.export_csv(rt(context), uid, group_id, start, end)
    if data is None:
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


async def on_export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    parsed = parse_export(query.data or "")
    if parsed is None:
        await query.answer(_("This button no longer works."))
        return
    gid, span = parsed
    if await group_or_refuse(update, context, gid) is None:
        return
    await query.answer()
    forget(context, update.effective_user.id)
    today = rt(context).clock.now().date()
    start = None if span == "all" else today - timedelta(weeks=4 if span == "4w" else 12)
    await edit(update, _("Here is the file."))
    await _send_csv(update, context, gid, start, None)


async def export_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: Awaiting, text: str
) -> None:
    parts = text.split()
    try:
        if len(parts) != 2:
            raise ValueError
        start, end = date.fromisoformat(parts[0]), date.fromisoformat(parts[1])
        if end < start:
            raise ValueError
    except ValueError:
        expect(context, update.effective_user.id, awaiting)  # type: ignore[union-attr]
        await reply(
            update,
            _("Please send two dates, the earlier first, like this: 2026-12-01 2027-01-31"),
        )
        return
    await _send_csv(update, context, awaiting.group_id, start, end)


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.handlers.facilitator_input import pick_group

    await pick_group(update, context, "p")


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.handlers.facilitator_input import pick_group

    await pick_group(update, context, "e")


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("report", report_command, filters=private))
    app.add_handler(CommandHandler("export", export_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_export, pattern=ROUTES["fac_export"]))
