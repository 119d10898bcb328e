"""/staff (admins): the facilitators and recorders active now, a page at a time, and ending one's
role with a confirmation, as `foyer facilitator revoke` / `foyer recorder revoke` do.

One command for both roles, apart from /newfacilitator and /recorders (which only invite): an
officer who must remove someone quickly thinks "who is staff", not "which invitation".

The person whose role ends is not told by Foyer: their command menu simply becomes a member's.
A facilitator removed for abuse must not be warned by the bot before the organisation has
acted as its safeguarding procedure says; the officer tells a recorder who simply stopped.
"""

from __future__ import annotations

import html
import logging

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.domain.buttons.pages import StaffFacilitatorsPage, StaffRecordersPage
from bot.domain.buttons.staff import EndRole, StaffRole
from bot.handlers import paging, staff_menus
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.recording_roles import languages_text
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, admin_only, admin_pages
from bot.i18n import _
from bot.services import staff_roles
from bot.services.staff_access import Staff
from bot.storage.staff import FACILITATOR, RECORDER, StaffRow

log = logging.getLogger(__name__)

ROLES: dict[StaffRole, str] = {"f": FACILITATOR, "r": RECORDER}
LABEL_CHARS = 48  # a button's words, so a long name still fits a phone's width


async def display_name(bot: Bot, row: StaffRow) -> str:
    """The person as Telegram shows them now (Foyer stores no staff names), with their Telegram
    id, which tells apart two of the same name; the id alone when Telegram does not say."""
    try:
        chat = await bot.get_chat(row.telegram_id)
    except TelegramError:
        return str(row.telegram_id)
    name = chat.full_name or (f"@{chat.username}" if chat.username else "")
    return f"{name} ({row.telegram_id})" if name else str(row.telegram_id)


@admin_only
async def staff_command(update: Update, context: Context, _who: Staff) -> None:
    """/staff: how many of each role, and a button to each list."""
    runtime = rt(context)
    facilitators = await staff_roles.facilitators(runtime)
    recorders = await staff_roles.active_recorders(runtime)
    text = "\n\n".join(
        [
            _("The facilitators and recorders active now."),
            _("Open a list to see who they are and, if you need to, end someone's role."),
        ]
    )
    buttons: Buttons = [
        [
            (
                _("Facilitators ({count})").format(count=len(facilitators)),
                StaffFacilitatorsPage(0).pack(),
            )
        ],
        [(_("Recorders ({count})").format(count=len(recorders)), StaffRecordersPage(0).pack())],
    ]
    await reply(update, text, buttons)


def _end_button(name: str, role: StaffRole, row: StaffRow) -> list[tuple[str, str]]:
    label = _("End the role of {name}").format(name=name)
    if len(label) > LABEL_CHARS:
        label = label[: LABEL_CHARS - 1] + "…"
    return [(label, EndRole(role, row.id, staff_roles.since(row), EndRole.ASK).pack())]


async def _facilitators_page(context: Context, number: int) -> tuple[str, Buttons] | None:
    found = await staff_roles.facilitators(rt(context))
    p = paging.page(found, number, lambda f: 80 + sum(paging.utf16_len(g) + 2 for g in f.groups))
    if p is None:
        return None
    lines = [_("Facilitators active now: {count}").format(count=len(found)), *paging.title(p)]
    if not found:
        lines.append(_("No one facilitates now. /newfacilitator invites someone."))
    buttons: Buttons = []
    for f in p.items:
        name = await display_name(context.bot, f.row)
        groups = ", ".join(html.escape(g) for g in f.groups) or _("no group")
        lines.append("• " + _("{name}: {groups}").format(name=html.escape(name), groups=groups))
        buttons.append(_end_button(name, "f", f.row))
    return "\n".join(lines), buttons + paging.nav(p, StaffFacilitatorsPage)


async def _recorders_page(context: Context, number: int) -> tuple[str, Buttons] | None:
    found = await staff_roles.active_recorders(rt(context))
    p = paging.page(found, number, lambda _r: 80)
    if p is None:
        return None
    lines = [_("Recorders active now: {count}").format(count=len(found)), *paging.title(p)]
    if not found:
        lines.append(_("No one records now. /recorders invites someone."))
    buttons: Buttons = []
    for row in p.items:
        name = await display_name(context.bot, row)
        languages = html.escape(languages_text(row.languages))
        lines.append(
            "• " + _("{name}: {languages}").format(name=html.escape(name), languages=languages)
        )
        buttons.append(_end_button(name, "r", row))
    return "\n".join(lines), buttons + paging.nav(p, StaffRecordersPage)


admin_pages(StaffFacilitatorsPage, _facilitators_page)
admin_pages(StaffRecordersPage, _recorders_page)


# --- ending a role -------------------------------------------------------------------------------


def gone_text() -> str:
    return _(
        "This person's role has already ended or changed since this button was shown: nothing "
        "was done. Send /staff for the list as it is now."
    )


def _what_happens(row: StaffRow, name: str, groups: list[str]) -> str:
    shown = f"<b>{html.escape(name)}</b>"
    if row.role == RECORDER:
        return _("{name} will no longer record; the recordings stay.").format(name=shown)
    lines = [
        _(
            "{name} will no longer facilitate; their groups keep running and keep their members."
        ).format(name=shown)
    ]
    if groups:
        lines.append(
            _("Their groups: {groups}.").format(groups=", ".join(html.escape(g) for g in groups))
        )
    return "\n".join(lines)


def _done_text(row: StaffRow, name: str) -> str:
    shown = f"<b>{html.escape(name)}</b>"
    if row.role == RECORDER:
        return _("Done: {name} no longer records. The recordings stay.").format(name=shown)
    return _(
        "Done: {name} no longer facilitates. Their groups keep running and keep their members."
    ).format(name=shown)


@answers(EndRole)
@admin_only
async def on_end_role(update: Update, context: Context, who: Staff, b: EndRole) -> None:
    query = update.callback_query
    assert query is not None
    if b.step == EndRole.NO:
        await query.answer()
        await edit(update, _("Good. Nothing has changed."))
        return
    runtime = rt(context)
    row = await staff_roles.find(runtime, ROLES[b.role], b.staff_id, b.since)
    if row is None:
        await query.answer(gone_text(), show_alert=True)
        return
    name = await display_name(context.bot, row)
    if b.step == EndRole.ASK:
        await query.answer()
        groups = await staff_roles.group_names(runtime, row)
        text = "\n\n".join(
            [
                _("End this role?"),
                _what_happens(row, name, groups),
                _(
                    "Foyer does not tell them. Let them know yourself, as your programme's "
                    "procedure says."
                ),
            ]
        )
        confirm = _("Yes, end the role")
        buttons: Buttons = [
            [(confirm, EndRole(b.role, b.staff_id, b.since, EndRole.YES).pack())],
            [(_("Cancel"), EndRole(b.role, b.staff_id, b.since, EndRole.NO).pack())],
        ]
        await edit(update, text, buttons)
        return
    if not await staff_roles.end(runtime, row):  # ended meanwhile, by the CLI or another admin
        await query.answer(gone_text(), show_alert=True)
        return
    await query.answer()
    log.info("staff.role_ended role=%s staff=%s by=%s", row.role, row.id, who.telegram_id)
    if not await staff_menus.refresh(context.bot, runtime, row.telegram_id):
        log.warning("staff.menu_not_reset staff=%s", row.id)
    await edit(update, _done_text(row, name))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("staff", staff_command, filters=filters.ChatType.PRIVATE))
