"""/settings: discreet messages, silent notifications and automatic deletion, one tap each."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.safety import SettingsChange
from bot.handlers.common import Buttons, current_person, edit, person_pressing, reply, rt
from bot.handlers.member import not_member_text
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _, ngettext
from bot.services import privacy
from bot.storage.people import PersonRow


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
                SettingsChange("d", int(not person.discreet)).pack(),
            )
        ],
        [
            (
                _("Turn sound back on") if person.silent else _("Make notifications silent"),
                SettingsChange("s", int(not person.silent)).pack(),
            )
        ],
        [(_("Automatic deletion…"), SettingsChange("m").pack())],
    ]
    return "\n\n".join(lines), buttons


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = current_person()
    if person is None:
        await reply(update, not_member_text())
        return
    text, buttons = menu(person)
    await reply(update, text, buttons)


def _erase_menu() -> tuple[str, Buttons]:
    text = _(
        "After how long should Foyer delete its messages and your replies? Telegram lets Foyer "
        "delete a message only during the first 48 hours, so the longest choice is 36 hours."
    )
    choices = [
        (ngettext("{n} hour", "{n} hours", h).format(n=h), SettingsChange("e", h).pack())
        for h in privacy.AUTO_ERASE_CHOICES
    ]
    buttons: Buttons = [choices[:3], choices[3:], [(_("Never"), SettingsChange("e", 0).pack())]]
    return text, buttons


@answers(SettingsChange)
async def on_settings(
    update: Update, context: ContextTypes.DEFAULT_TYPE, change: SettingsChange
) -> None:
    erase_hours = change.value if change.setting == "e" else 0
    if erase_hours and erase_hours not in privacy.AUTO_ERASE_CHOICES:
        await answer_stale(update)
        return
    person = await person_pressing(update)
    if person is None:
        return
    if change.setting == "m":
        text, buttons = _erase_menu()
        await edit(update, text, buttons)
        return
    runtime = rt(context)
    if change.setting == "d":
        updated = await privacy.set_settings(runtime, person.id, discreet=bool(change.value))
    elif change.setting == "s":
        updated = await privacy.set_settings(runtime, person.id, silent=bool(change.value))
    else:
        updated = await privacy.set_settings(
            runtime, person.id, auto_erase_hours=erase_hours or None
        )
    if updated is None:
        await edit(update, not_member_text())
        return
    text, buttons = menu(updated, _("Saved."))
    await edit(update, text, buttons, person=updated)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("settings", settings_command, filters=filters.ChatType.PRIVATE))
