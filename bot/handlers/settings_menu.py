"""/settings: discreet messages, silent notifications and automatic deletion, one tap each."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.handlers import discreet
from bot.handlers.callbacks import ROUTES, parse_safety, safety_data
from bot.handlers.common import Buttons, current_person, rt
from bot.i18n import _, ngettext
from bot.services import privacy
from bot.storage.people import PersonRow


def _not_member_text() -> str:
    return _("You are not in a group yet. To join, open the invite link your facilitator gave you.")


def _on_off(value: bool) -> str:
    return _("on") if value else _("off")


def _erase_label(hours: int | None) -> str:
    if not hours:
        return _("off")
    return ngettext("after {n} hour", "after {n} hours", hours).format(n=hours)


def menu(person: PersonRow, note: str | None = None) -> tuple[str, Buttons]:
    lines = [_("<b>Your privacy settings</b>")]
    if note:
        lines.append(note)
    lines += [
        _(
            "Discreet messages: {state}. Each message starts with a neutral line and cannot be "
            "forwarded or saved."
        ).format(state=_on_off(person.discreet)),
        _("Silent notifications: {state}. Messages arrive without a sound.").format(
            state=_on_off(person.silent)
        ),
        _(
            "Automatic deletion: {state}. Foyer deletes its messages and your replies in this "
            "chat after that time."
        ).format(state=_erase_label(person.auto_erase_hours)),
    ]
    buttons: Buttons = [
        [
            (
                _("Turn discreet messages off")
                if person.discreet
                else _("Turn discreet messages on"),
                safety_data("settings", "d", int(not person.discreet)),
            )
        ],
        [
            (
                _("Turn sound back on") if person.silent else _("Make notifications silent"),
                safety_data("settings", "s", int(not person.silent)),
            )
        ],
        [(_("Automatic deletion…"), safety_data("settings", "m"))],
    ]
    return "\n\n".join(lines), buttons


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = current_person()
    if person is None:
        await discreet.send(update, context, _not_member_text())
        return
    text, buttons = menu(person)
    await discreet.send(update, context, text, buttons)


def _erase_menu() -> tuple[str, Buttons]:
    text = _(
        "After how long should Foyer delete its messages and your replies? Telegram lets Foyer "
        "delete a message only during the first 48 hours, so the longest choice is 36 hours."
    )
    choices = [
        (ngettext("{n} hour", "{n} hours", h).format(n=h), safety_data("settings", "e", h))
        for h in privacy.AUTO_ERASE_CHOICES
    ]
    buttons: Buttons = [choices[:3], choices[3:], [(_("Never"), safety_data("settings", "e", 0))]]
    return text, buttons


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    value = parse_safety("settings", query.data or "")
    person = current_person()
    if value is None or person is None:
        await query.answer(_("This button no longer works."))
        return
    if value == "m":
        await query.answer()
        text, buttons = _erase_menu()
        await discreet.edit(update, context, text, buttons)
        return
    what, _sep, raw = value.partition(":")
    number = int(raw)
    runtime = rt(context)
    if what == "e" and number and number not in privacy.AUTO_ERASE_CHOICES:
        await query.answer(_("This button no longer works."))
        return
    await query.answer()
    if what == "d":
        updated = await privacy.set_settings(runtime, person.id, discreet=bool(number))
    elif what == "s":
        updated = await privacy.set_settings(runtime, person.id, silent=bool(number))
    else:
        updated = await privacy.set_settings(runtime, person.id, auto_erase_hours=number or None)
    if updated is None:
        await discreet.edit(update, context, _not_member_text())
        return
    text, buttons = menu(updated, _("Saved."))
    await discreet.edit(update, context, text, buttons, person=updated)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("settings", settings_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_settings, pattern=ROUTES["settings"]))
