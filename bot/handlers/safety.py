"""Help, always: /help, the help words and the deployment's safe word answer from any state,
before any dialogue sees the message; distress words in anything a person types lead to a warm
"did I understand you?". These run in handler group -5 and stop the update there, so no
dialogue consumes the word. Nothing a person typed is stored or logged here.
"""

from __future__ import annotations

import html
import logging
from functools import partial

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain.buttons.safety import DistressCheck, HelpOffer
from bot.domain.distress import DistressCategory, detect, fold
from bot.domain.resources import Category, Entry
from bot.domain.words import command_for_word
from bot.handlers import staff_menus
from bot.handlers.common import Buttons, current_person, edit, is_private, reply, rt
from bot.handlers.dialogue import forget, waiting
from bot.handlers.routing import answer_stale, answers
from bot.i18n import _, current_language, fallback_chain
from bot.services import privacy, safety
from bot.services.safety import Resources
from bot.storage import help_counts
from bot.storage.batching import Batcher

log = logging.getLogger(__name__)

INTERCEPT_GROUP = -5
REMEMBER_GROUP = -6
_SAFE_WORD_MAX_WORDS = 6


# --- what help shows -----------------------------------------------------------------------


def _category_title(cat: Category) -> str:
    return {
        Category.EMERGENCY: _("Emergency"),
        Category.WOMEN: _("Women's organisations"),
        Category.HEALTH: _("Health"),
        Category.LEGAL: _("Legal aid"),
    }[cat]


def _entry_line(e: Entry, chain: list[str]) -> str:
    name = html.escape(e.text("name", chain) or e.name)
    line = "• " + name
    if e.phone:
        # The language's own punctuation: "Police: 17", "Police : 17".
        phone = f"<b>{html.escape(e.phone)}</b>"
        line = "• " + _("{name}: {phone}").format(name=name, phone=phone)
    how = e.text("how", chain)
    if how:
        line += f"\n  {html.escape(how)}"
    return line


def resources_text(res: Resources) -> str:
    chain = fallback_chain(current_language())
    parts = [
        _("<b>Help</b>"),
        _(
            "If you or someone else is in danger, contact the local emergency services or a "
            "person you trust now. Foyer is not an emergency service."
        ),
    ]
    for cat in Category:
        entries = res.by_category.get(cat) or []
        if entries:
            lines = [f"<b>{_category_title(cat)}</b>"]
            lines += [_entry_line(e, chain) for e in entries]
            parts.append("\n".join(lines))
    return "\n\n".join(parts)


def emergency_numbers(res: Resources) -> list[str]:
    return [e.phone for e in res.by_category.get(Category.EMERGENCY, []) if e.phone]


def _commands_text() -> str:
    return "\n".join(
        [
            _("What you can send:"),
            _("/concern: send feedback or a complaint, in confidence"),
            _("/settings: discreet messages, silent notifications, automatic deletion"),
            _("/erase: delete Foyer's recent messages from this chat"),
            _("/mydata: receive everything Foyer stores about you"),
            _("/forget: delete everything Foyer stores about you"),
            _("/language: change the language"),
            _("/pause: take a break for a few weeks"),
            _("/resume: start receiving messages again"),
            _("/progress: see your own answers"),
            _("/stop: stop receiving messages"),
            _("You can also send a single word, such as HELP or STOP."),
        ]
    )


def _talk_button(context: ContextTypes.DEFAULT_TYPE) -> Buttons | None:
    if not safety.focal_points(rt(context)):
        return None
    return [[(_("Talk to a person"), HelpOffer("t").pack())]]


async def _roles(update: Update, context: ContextTypes.DEFAULT_TYPE) -> staff_menus.Roles:
    """The person's roles, for the staff part of /help. Without their record (a stranger, or
    a database that failed) only the roles named in the settings are known."""
    user = update.effective_user
    if user is None:
        return staff_menus.Roles()
    known = staff_menus.settings_roles(rt(context), user.id)
    if current_person() is None:
        return known
    try:
        return await staff_menus.roles_of(rt(context), user.id)
    except Exception as exc:  # the help resources matter more than the staff commands
        log.warning("safety.help_roles_unknown error=%s", type(exc).__name__)
        return known


async def show_help(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, in_place: bool = False
) -> None:
    """Resources for the person's country and language, then what they can send."""
    res = await safety.resources_for(rt(context), current_person(), current_language())
    staff = staff_menus.help_text(await _roles(update, context))
    text = "\n\n".join(part for part in (resources_text(res), _commands_text(), staff) if part)
    buttons = _talk_button(context)
    await (edit if in_place else reply)(update, text, buttons)
    # One line either way (a full disk refuses every count: no line more per update).
    log.info("safety.help_shown counted=%s", await _count_help(context))


async def _count_help(context: ContextTypes.DEFAULT_TYPE) -> str:
    """The programme's counter (no person in it), after the answer: a failure loses a count,
    never the help. Says how it went, for the log."""
    runtime = rt(context)
    person = current_person()
    shown = help_counts.HelpShown(
        runtime.clock.now().date(), person.id if person else None, current_language()
    )
    count = runtime.batcher(
        "help_counts",
        lambda: Batcher(partial(help_counts.count_shown, runtime.engine), "help_counts"),
    )
    try:
        await count(shown)
    except Exception as exc:
        return f"no error={type(exc).__name__}"
    return "yes"


# --- the interceptor -----------------------------------------------------------------------


def is_help_request(text: str, safe_word: str | None) -> bool:
    """/help (with or without the bot's name), a help word, or the deployment's safe word."""
    first = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    if first.split("@", 1)[0].lower() == "/help":
        return True
    if command_for_word(text) == "help":
        return True
    if safe_word:
        words = fold(text)
        target = fold(safe_word)
        if len(words) <= _SAFE_WORD_MAX_WORDS and target and target[0] in words:
            return True
    return False


async def intercept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not is_private(update):
        return
    text = message.text or message.caption
    if not text:
        return
    user_id = update.effective_user.id if update.effective_user else 0
    if is_help_request(text, rt(context).settings.safe_word):
        if forget(context, user_id):  # help and the safe word end any dialogue
            await reply(update, _("What you were writing was not sent. You can start again later."))
        await show_help(update, context)
        raise ApplicationHandlerStop
    if text.startswith("/") or waiting(context, user_id) is not None:
        # Commands go on. A dialogue's answer is its own: a concern checks its text for
        # distress words itself once stored, and a broadcast is not a cry for help.
        return
    categories = detect(text)
    if categories:
        await offer_help(update, context, categories)
        raise ApplicationHandlerStop


async def offer_help(
    update: Update, context: ContextTypes.DEFAULT_TYPE, categories: set[DistressCategory]
) -> None:
    """A warm acknowledgement and one question; yes shows help, no carries on."""
    lines = [
        _(
            "Thank you for telling me. It sounds like something hard may be happening, and you "
            "do not have to face it alone."
        )
    ]
    if categories & {DistressCategory.EMERGENCY, DistressCategory.SELF_HARM}:
        res = await safety.resources_for(rt(context), current_person(), current_language())
        numbers = emergency_numbers(res)
        if numbers:
            lines.append(
                _("If you are in danger right now, call {numbers}.").format(
                    numbers=", ".join(f"<b>{html.escape(n)}</b>" for n in numbers)
                )
            )
    lines.append(_("Did I understand you? Do you want to see where to find help?"))
    await reply(
        update,
        "\n\n".join(lines),
        [
            [(_("Yes, show me help"), DistressCheck(yes=True).pack())],
            [(_("No, carry on"), DistressCheck(yes=False).pack())],
        ],
    )
    log.info("safety.distress_offered")


@answers(DistressCheck)
async def on_distress_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, check: DistressCheck
) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    if check.yes:
        await show_help(update, context, in_place=True)
    else:
        await edit(update, _("All right. I am here whenever you need help: just send /help."))


# --- talk to a person ----------------------------------------------------------------------


@answers(HelpOffer)
async def on_help_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, offer: HelpOffer
) -> None:
    query = update.callback_query
    assert query is not None
    runtime = rt(context)
    if not safety.focal_points(runtime):
        await answer_stale(update)
        return
    await query.answer()
    if offer.choice == "t":
        await reply(
            update,
            _(
                "Do you want someone from the programme's safeguarding team to contact you? "
                "If you agree, Foyer tells them that you asked, with your Telegram username, "
                "and nothing else: not your answers, not what you wrote."
            ),
            [
                [(_("Yes, tell them"), HelpOffer("y").pack())],
                [(_("No, not now"), HelpOffer("n").pack())],
            ],
        )
    elif offer.choice == "n":
        await edit(update, _("All right. Nobody has been told. Send /help at any time."))
    else:
        user = update.effective_user
        assert user is not None
        told = await safety.request_contact(runtime, user.id, user.username)
        done = (
            _(
                "Done. The safeguarding team has been told that you want to talk. Someone will "
                "write to you here on Telegram, usually within {days} days."
            )
            if told
            else _(
                "The safeguarding team already knows that you want to talk. Someone will write "
                "to you here on Telegram, usually within {days} days."
            )
        )
        lines = [done.format(days=runtime.settings.concern_response_days)]
        if told and not user.username:
            lines.append(
                _(
                    "You have no Telegram username, so they will reach you through a link to "
                    "your chat. If that does not work, ask your facilitator to put you in touch."
                )
            )
        lines.append(
            _("If you are in danger before then, call an emergency number: send /help to see them.")
        )
        await edit(update, "\n\n".join(lines))


# --- remembering incoming messages for /erase and auto-erase -------------------------------


async def remember_incoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Note the id (never the text) of what a person sends, so Foyer can delete it later."""
    person = current_person()
    message = update.message
    if person is None or message is None or not is_private(update):
        return
    await privacy.remember_message(
        rt(context), person, message.chat_id, message.message_id, from_person=True
    )


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, remember_incoming), group=REMEMBER_GROUP)
    app.add_handler(
        MessageHandler(private & (filters.TEXT | filters.CAPTION), intercept),
        group=INTERCEPT_GROUP,
    )
