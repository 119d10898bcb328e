"""A person's data rights: /mydata (a copy of everything), /forget (erase it), /erase (clear
Foyer's recent messages from the chat, and say honestly what it cannot clear)."""

from __future__ import annotations

import json

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.safety import Forget
from bot.domain.symbols import NO, YES, label
from bot.handlers.common import current_person, person_confirming, reply, rt, send_file
from bot.handlers.routing import answers
from bot.i18n import _, ngettext
from bot.services import privacy


def _nothing_stored_text() -> str:
    return _("Foyer stores nothing about you.")


def clear_chat_text() -> str:
    return "\n\n".join(
        [
            _(
                "Telegram lets Foyer delete a message only during its first 48 hours. Older "
                "messages stay until you delete them yourself:"
            ),
            _(
                "To clear this chat: open it, tap the three dots (⋮) or Foyer's name at the top, "
                "and choose “Clear history” or “Delete chat”."
            ),
            _(
                "To have Telegram delete messages for you: in the same menu choose “Auto-delete” "
                "(or “Set auto-delete timer”) and pick 1 day, 1 week or 1 month."
            ),
        ]
    )


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = current_person()
    if person is None:
        await reply(update, _nothing_stored_text())
        return
    data = await privacy.export(rt(context), person.id)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    await send_file(
        update,
        body,
        "foyer-my-data.json",
        _(
            "Everything Foyer stores about you. It cannot be forwarded from here. If others "
            "use this phone, delete it when you have read it (or send /erase)."
        ),
    )


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = current_person()
    if person is None:
        await reply(update, _nothing_stored_text())
        return
    runtime = rt(context)
    text = "\n\n".join(
        [
            _("<b>Delete everything about you?</b>"),
            _(
                "Foyer will delete your groups, your answers, your settings and every message "
                "it can still delete from this chat. This cannot be undone."
            ),
            _(
                "Totals your facilitator already saw stay as they are: they never showed your "
                "name. Concerns you raised stay with the safeguarding team without your name, "
                "so they can still act on them, and are deleted after {days} days."
            ).format(days=runtime.settings.concern_retention_days),
        ]
    )
    await reply(
        update,
        text,
        [
            [(label(YES, _("Yes, delete everything")), Forget(yes=True).pack())],
            [(label(NO, _("No, keep my data")), Forget(yes=False).pack())],
        ],
    )


@answers(Forget)
async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE, forget: Forget) -> None:
    person = await person_confirming(update, forget.yes)
    if person is None:
        return
    await privacy.forget(rt(context), context.bot, person)
    # The person no longer exists: a plain message, recorded nowhere.
    text = "\n\n".join(
        [
            _(
                "Done. Foyer has deleted everything it stored about you. If you want to take "
                "part again one day, open your group's invite link."
            ),
            clear_chat_text(),
        ]
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, protect_content=person.discreet)


async def erase_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = current_person()
    if person is None:
        await reply(update, _nothing_stored_text())
        return
    erased = await privacy.erase_now(rt(context), context.bot, person)
    done = ngettext(
        "Foyer deleted {n} message from this chat.",
        "Foyer deleted {n} messages from this chat.",
        erased.deleted,
    ).format(n=erased.deleted)
    await reply(update, "\n\n".join([done, clear_chat_text()]))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("mydata", mydata_command, filters=private))
    app.add_handler(CommandHandler("forget", forget_command, filters=private))
    app.add_handler(CommandHandler("erase", erase_command, filters=private))
