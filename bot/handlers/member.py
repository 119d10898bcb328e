"""What an enrolled member can do in the private chat: help, language, pause, stop, progress."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.domain.buttons.member import ChooseLanguage, MenuShortcut, Pause, Stop
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.symbols import HELP, NO, PAUSE, PROGRESS, YES, label
from bot.domain.words import command_for_word
from bot.handlers import language_notice, staff_menus
from bot.handlers.common import (
    current_person,
    edit,
    language_buttons,
    person_confirming,
    person_pressing,
    reply,
    rt,
)
from bot.handlers.routing import answers
from bot.handlers.safety import show_help
from bot.i18n import _, current_language, format_day, ngettext, use_language
from bot.services import participation
from bot.storage.people import PersonRow

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def not_member_text() -> str:
    return _("You are not in a group yet. To join, open the invite link your facilitator gave you.")


async def _member_or_explain(update: Update) -> PersonRow | None:
    person = current_person()
    if person is None:
        await reply(update, not_member_text())
    return person


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The safety interceptor answers /help and the help words first, from any state; this
    # stays for any path that reaches it directly (the word "help" in the fallback below).
    await show_help(update, context)


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _member_or_explain(update) is None:
        return
    buttons = language_buttons(list(SUPPORTED_LANGUAGES), lambda lang: ChooseLanguage(lang).pack())
    await reply(update, _("Which language do you want Foyer to use?"), buttons)


@answers(ChooseLanguage)
async def on_language(
    update: Update, context: ContextTypes.DEFAULT_TYPE, choice: ChooseLanguage
) -> None:
    person = await person_pressing(update)
    if person is None:
        return
    await participation.set_language(rt(context), person.id, choice.lang)
    # Staff have a menu of their own, in the language they read.
    await staff_menus.refresh(context.bot, rt(context), person.telegram_id, remove=False)
    with use_language(choice.lang):
        done = _("Done. Foyer will write to you in English from now on.")
    await language_notice.answer_with_notice(update, context, choice.lang, done)


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _member_or_explain(update) is None:
        return
    weeks = [
        (label(PAUSE, ngettext("{n} week", "{n} weeks", n).format(n=n)), Pause(n).pack())
        for n in range(1, 5)
    ]
    await reply(
        update,
        _("For how long do you want to pause? Your group stays open for you."),
        [weeks[:2], weeks[2:], [(label(PAUSE, _("Until I send /resume")), Pause(0).pack())]],
    )


@answers(Pause)
async def on_pause(update: Update, context: ContextTypes.DEFAULT_TYPE, pause: Pause) -> None:
    person = await person_pressing(update)
    if person is None:
        return
    paused = await participation.pause(rt(context), person.id, pause.weeks)
    if not paused.count:
        await edit(update, _("You are not receiving messages from any group right now."))
    elif paused.until is None:
        await edit(update, _("Paused. Send /resume when you want the weekly messages again."))
    else:
        await edit(
            update,
            _("Paused until {day}. Send /resume to come back earlier.").format(
                day=format_day(paused.until, paused.timezone, current_language())
            ),
        )


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await _member_or_explain(update)
    if person is None:
        return
    if await participation.resume(rt(context), person.id):
        await reply(update, _("Welcome back. Your weekly messages start again with the next one."))
    else:
        await reply(update, _("Nothing to resume: you are not paused."))


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await _member_or_explain(update)
    if person is None:
        return
    if not await participation.active_count(rt(context), person.id):
        await reply(update, _("You are not receiving messages from any group right now."))
        return
    await reply(
        update,
        _("Do you want to stop receiving Foyer's messages?"),
        [
            [
                (label(YES, _("Yes, stop")), Stop(yes=True).pack()),
                (label(NO, _("No, keep going")), Stop(yes=False).pack()),
            ]
        ],
    )


@answers(Stop)
async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, stop: Stop) -> None:
    person = await person_confirming(update, stop.yes)
    if person is None:
        return
    await participation.stop(rt(context), person.id)
    await edit(
        update,
        _(
            "You will not receive any more messages. Thank you for taking part. "
            "You can come back at any time with your group's invite link."
        ),
    )


def _value_label(value: str) -> str:
    labels = {
        "done": _("Done"),
        "partly": _("Partly"),
        "notyet": _("Not yet"),
        "hard": _("It was difficult"),
    }
    return labels.get(value, value)


async def progress_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await _member_or_explain(update)
    if person is None:
        return
    rows = await participation.progress(rt(context), person.id)
    if not rows:
        await reply(update, _("No answers yet. Your challenges and answers will show here."))
        return
    lines = [_("<b>Your challenges</b> (only you can see this)")]
    for _group, week, value in rows:
        lines.append(_("Week {number}: {answer}").format(number=week, answer=_value_label(value)))
    await reply(update, "\n".join(lines))


WORD_COMMANDS: dict[str, Handler] = {
    "help": help_command,
    "language": language_command,
    "pause": pause_command,
    "resume": resume_command,
    "stop": stop_command,
    "progress": progress_command,
}


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain words act as commands; anything else gets a gentle pointer. Nothing is stored."""
    text = update.effective_message.text if update.effective_message else None
    command = command_for_word(text or "")
    if command is not None:
        await WORD_COMMANDS[command](update, context)
        return
    await reply(
        update,
        _("I can only understand the buttons and a few words. Send /help to see what you can do."),
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, _("I don't know that command. Send /help to see what you can do."))


def _thanks_for(message: Message | None) -> str:
    if message is None:
        return _("Thank you for sending this!")
    if message.photo:
        return _("Thank you for the photo!")
    if message.voice or message.audio or message.video_note:
        return _("Thank you for the voice message!")
    if message.sticker:
        return _("Thank you for the sticker!")
    if message.document and not message.animation:
        return _("Thank you for the file!")
    return _("Thank you for sending this!")


async def media_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo of the swept yard, a voice note, a sticker, a file: thanks, and what Foyer
    does with it (nothing: it is neither downloaded nor stored), then the buttons he can use."""
    message = update.effective_message
    lines = [
        _thanks_for(message),
        _("Foyer does not keep photos, voice messages, stickers or files: nothing you send "
          "here is saved."),
    ]  # fmt: skip
    if current_person() is None:
        await reply(update, "\n\n".join([*lines, not_member_text()]))
        return
    lines.append(_("Your group would love to hear about it at the next meeting."))
    lines.append(_("Here is what you can do:"))
    buttons = [
        [
            (label(PROGRESS, _("My progress")), MenuShortcut("progress").pack()),
            (label(PAUSE, _("Take a break")), MenuShortcut("pause").pack()),
        ],
        [(label(HELP, _("Help")), MenuShortcut("help").pack())],
    ]
    await reply(update, "\n\n".join(lines), buttons)


@answers(MenuShortcut)
async def on_menu(
    update: Update, context: ContextTypes.DEFAULT_TYPE, shortcut: MenuShortcut
) -> None:
    """A command offered as a button: it answers as the command does, in a new message."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await WORD_COMMANDS[shortcut.command](update, context)


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(
        update,
        _("I can only understand the buttons and a few words. Send /help to see what you can do."),
    )


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, handler in WORD_COMMANDS.items():
        app.add_handler(CommandHandler(name, handler, filters=private))


def register_fallbacks(app: Application) -> None:
    """Last in line: text, unknown commands and other messages in the private chat."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    media = (
        filters.PHOTO
        | filters.VOICE
        | filters.AUDIO
        | filters.VIDEO
        | filters.VIDEO_NOTE
        | filters.ANIMATION
        | filters.Sticker.ALL
        | filters.Document.ALL
    )
    app.add_handler(MessageHandler(private & media, media_message))
    app.add_handler(MessageHandler(private, other_message))
