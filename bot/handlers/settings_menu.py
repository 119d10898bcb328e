"""/settings: discreet messages, silent notifications, automatic deletion, one tap each; and
how he receives the programme (read, listen, both) and his language, one choice away."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.member import ChooseLanguage, LanguageMenu, VoiceModeChoice
from bot.domain.buttons.safety import SettingsChange
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.symbols import (
    BOTH,
    DISCREET,
    ERASE,
    LANGUAGE,
    NEVER,
    NOT_DISCREET,
    SILENT,
    SOUND,
    TIME,
    label,
)
from bot.handlers.common import (
    Buttons,
    current_person,
    edit,
    language_buttons,
    person_pressing,
    reply,
    rt,
)
from bot.handlers.member import not_member_text
from bot.handlers.routing import answer_stale, answers
from bot.handlers.voice_modes import mode_buttons, mode_label, modes_text
from bot.i18n import LANGUAGE_NAMES, _, ngettext
from bot.services import privacy, voice_choice
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
        _("Messages: {mode}.").format(mode=_mode_state(person)),
        _("Language: {language}.").format(
            language=LANGUAGE_NAMES.get(person.language, person.language)
        ),
    ]
    if person.discreet:
        discreet = label(NOT_DISCREET, _("Turn discreet messages off"))
    else:
        discreet = label(DISCREET, _("Turn discreet messages on"))
    if person.silent:
        silent = label(SOUND, _("Turn sound back on"))
    else:
        silent = label(SILENT, _("Make notifications silent"))
    buttons: Buttons = [
        [(discreet, SettingsChange("d", int(not person.discreet)).pack())],
        [(silent, SettingsChange("s", int(not person.silent)).pack())],
        [(label(ERASE, _("Automatic deletion…")), SettingsChange("m").pack())],
        [(label(BOTH, _("Read, listen or both…")), VoiceModeChoice(None).pack())],
        [(label(LANGUAGE, _("Language…")), LanguageMenu().pack())],
    ]
    return "\n\n".join(lines), buttons


def _mode_state(person: PersonRow) -> str:
    """His way of receiving the programme; while he has chosen none, said to be the default."""
    mode = mode_label(voice_choice.mode_of(person))
    if person.voice_mode is None:
        return _("{mode} (the default for your language)").format(mode=mode)
    return mode


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
        (
            label(TIME, ngettext("{n} hour", "{n} hours", h).format(n=h)),
            SettingsChange("e", h).pack(),
        )
        for h in privacy.AUTO_ERASE_CHOICES
    ]
    buttons: Buttons = [
        choices[:3],
        choices[3:],
        [(label(NEVER, _("Never")), SettingsChange("e", 0).pack())],
    ]
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


@answers(VoiceModeChoice)
async def on_voice_mode(
    update: Update, context: ContextTypes.DEFAULT_TYPE, choice: VoiceModeChoice
) -> None:
    person = await person_pressing(update)
    if person is None:
        return
    if choice.mode is None:
        now = _("Now: {mode}.").format(mode=_mode_state(person))
        buttons = mode_buttons(lambda mode: VoiceModeChoice(mode).pack())
        await edit(update, "\n\n".join([modes_text(), now]), buttons)
        return
    updated = await voice_choice.choose(rt(context), person.id, choice.mode)
    if updated is None:
        await edit(update, not_member_text())
        return
    text, buttons = menu(updated, _("Saved."))
    await edit(update, text, buttons, person=updated)


@answers(LanguageMenu)
async def on_language_menu(
    update: Update, context: ContextTypes.DEFAULT_TYPE, _menu: LanguageMenu
) -> None:
    """The same choice as /language (its buttons answer there)."""
    if await person_pressing(update) is None:
        return
    buttons = language_buttons(list(SUPPORTED_LANGUAGES), lambda lang: ChooseLanguage(lang).pack())
    await edit(update, _("Which language do you want Foyer to use?"), buttons)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("settings", settings_command, filters=filters.ChatType.PRIVATE))
