"""A member's first steps: invite link, language, read/listen/both, consent, progress opt-in,
name, code of conduct.

Every step's state rides in the button data, so nothing is stored until the last "I accept",
and a restart in the middle of joining loses nothing.
"""

from __future__ import annotations

import html
from dataclasses import replace

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.audio import AudioItem, AudioKey
from bot.domain.buttons.member import Join
from bot.domain.curriculum import context_key
from bot.domain.symbols import DISCREET, NO, NUMBER, YES, label
from bot.handlers import facilitator_roles, partner, partner_staff, recording_roles
from bot.handlers.common import Buttons, ask_language, current_person, edit, reply, rt
from bot.handlers.hearing import listen_row, send_recording
from bot.handlers.language_notice import language_notice_text, needs_language_notice, notice_key
from bot.handlers.routing import answers
from bot.handlers.voice_modes import mode_buttons, modes_text
from bot.i18n import _, content_text, current_language, format_when, use_language
from bot.services.enrollment import InviteProblem, check_member_invite, enroll, invite_kind
from bot.storage.invites import CODE_PATTERN


def _bad_link_text() -> str:
    return _(
        "This invite link does not work any more. It may have been replaced by a new one. "
        "Please ask your facilitator for the current link. Nothing about you has been stored."
    )


def _problem_text(problem: InviteProblem) -> str:
    if problem is InviteProblem.WRONG_KIND:
        return _(
            "This link is not an invitation to join a group as a member. "
            "Please ask your facilitator for the group's link."
        )
    if problem is InviteProblem.REMOVED:
        return _(
            "This link cannot bring you back into this group. If you would like to talk about "
            "it, please speak with your facilitator. Nothing has changed."
        )
    if problem is InviteProblem.ALREADY:
        return _("You are already in this group. Send /help to see what you can do.")
    return _bad_link_text()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [CODE] in a private chat."""
    user = update.effective_user
    assert user is not None
    code = context.args[0] if context.args else ""
    if not code:
        if current_person() is not None:
            await reply(update, _("Welcome back. Send /help to see what you can do."))
        else:
            await reply(
                update,
                _(
                    "Hello! Foyer sends the weekly messages of community groups. To join, please "
                    "open the invite link you were given."
                ),
            )
        return
    if len(context.args or []) != 1 or not CODE_PATTERN.match(code):
        await reply(update, _bad_link_text())
        return
    kind = await invite_kind(rt(context), code)
    if kind == "partner":
        await partner.start_partner(update, context, code)
        return
    if kind == "partner_contact":
        await partner_staff.start_contact(update, context, code)
        return
    if kind == "facilitator":
        await facilitator_roles.start_facilitator(update, context, code)
        return
    if kind == "recorder":
        await recording_roles.start_recorder(update, context, code)
        return
    check = await check_member_invite(rt(context), code, user.id)
    if check.problem is not None:
        await reply(update, _problem_text(check.problem))
        return
    await ask_language(update, user.language_code, lambda lang: Join("lang", code, lang).pack())


def _consent_text() -> str:
    return "\n\n".join(
        [
            _("<b>Before you join, please read this.</b>"),
            _(
                "Foyer sends you a short message each week after your group meeting: something "
                "to think about and a task to try at home. A few days later it asks how it went."
            ),
            _(
                "What Foyer keeps: the number Telegram gives your account (not your phone number), "
                "your language, your group, and your answers to the buttons (Done, Partly, Not "
                "yet). It does not keep what you type."
            ),
            _(
                "Who sees what: your facilitator sees only totals for the whole group, never "
                "your own answers."
            ),
            _(
                "Foyer is not an emergency service. If you or someone else is in danger, send "
                "/help at any time to see where to get help."
            ),
            _(
                "You can pause with /pause, leave with /stop, and ask for your data to be "
                "deleted at any time."
            ),
            _("Do you agree to join?"),
        ]
    )


def _discreet_offer_text() -> str:
    return _(
        "If others may see your phone, choose discreet messages: each message then starts with "
        "a neutral line such as “Your weekly note is here”, so a notification shows nothing "
        "about the group, and it cannot be forwarded or saved. You can change this at any time "
        "with /settings, where Foyer can also delete its messages for you after a few hours."
    )


@answers(Join)
async def on_join_step(update: Update, context: ContextTypes.DEFAULT_TYPE, step: Join) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    # Each step answers in the language the person chose on the first button.
    with use_language(step.lang):
        await _answer_step(update, context, step)


async def _answer_step(update: Update, context: ContextTypes.DEFAULT_TYPE, s: Join) -> None:
    user = update.effective_user
    assert user is not None
    if s.stage == "decline":
        await edit(
            update,
            _(
                "No problem. Nothing about you has been stored. If you change your mind, "
                "open the invite link again."
            ),
        )
        return
    check = await check_member_invite(rt(context), s.code, user.id)
    if check.problem is not None or check.group is None or check.curriculum_id is None:
        await edit(update, _problem_text(check.problem or InviteProblem.UNKNOWN))
        return
    no = (label(NO, _("No, thank you")), Join("decline", "", s.lang).pack())
    runtime = rt(context)
    consent = AudioKey("", 0, AudioItem.CONSENT, s.lang)
    conduct = AudioKey(check.curriculum_id, 0, AudioItem.CONDUCT, s.lang)
    if s.stage == "lang":
        await _ask_voice_mode(update, context, s)
    elif s.stage == "voice":
        hear = await listen_row(runtime, consent, replace(s, stage="hear").pack())
        await edit(update, _consent_text(), [*_consent_buttons(s, no), *hear])
    elif s.stage == "hear":
        await _hear(update, context, consent, _consent_buttons(s, no))
    elif s.stage == "consent":
        await edit(
            update,
            _(
                "One more question. You can join whatever you answer. May your answers count in "
                "your group's totals? Your facilitator sees only totals, never your own answers."
            ),
            [
                [
                    (
                        label(YES, _("Yes, count my answers")),
                        replace(s, stage="optin", opt_in=True).pack(),
                    )
                ],
                [
                    (
                        label(NO, _("No, keep them only for me")),
                        replace(s, stage="optin", opt_in=False).pack(),
                    )
                ],
            ],
        )
    elif s.stage == "optin":
        await edit(
            update,
            _(
                "May your facilitator see your first name in the list of members? "
                "If not, you will be shown as a number."
            ),
            [
                [
                    (
                        label(YES, _("Yes, show my first name")),
                        replace(s, stage="name", show_name=True).pack(),
                    )
                ],
                [
                    (
                        label(NUMBER, _("No, show a number")),
                        replace(s, stage="name", show_name=False).pack(),
                    )
                ],
            ],
        )
    elif s.stage == "name":
        cur_id = check.curriculum_id
        words = runtime.curricula[cur_id].code_of_conduct
        text = "\n\n".join(
            [
                _("<b>Our group's code of conduct</b>"),
                content_text(context_key(cur_id, None, "code_of_conduct"), words),
                _("Do you accept it?"),
                _discreet_offer_text(),
            ]
        )
        hear = await listen_row(runtime, conduct, replace(s, stage="hearconduct").pack())
        await edit(update, text, [*_conduct_buttons(s, no), *hear])
    elif s.stage == "hearconduct":
        await _hear(update, context, conduct, _conduct_buttons(s, no))
    elif s.stage == "accept":
        await _enroll(update, context, s)


def _consent_buttons(s: Join, no: tuple[str, str]) -> Buttons:
    return [[(label(YES, _("Yes, I agree")), replace(s, stage="consent").pack())], [no]]


def _conduct_buttons(s: Join, no: tuple[str, str]) -> Buttons:
    accept = replace(s, stage="accept", discreet=False).pack()
    discreet = replace(s, stage="accept", discreet=True).pack()
    return [
        [(label(YES, _("I accept")), accept)],
        [(label(YES + DISCREET, _("I accept, with discreet messages")), discreet)],
        [no],
    ]


async def _ask_voice_mode(update: Update, context: ContextTypes.DEFAULT_TYPE, s: Join) -> None:
    """Read, listen or both, right after the language; a man who picked Bamanankan learns
    first what will come in French, and hears it when the notice is recorded (its voice
    message carries the same three choices)."""
    buttons = mode_buttons(lambda mode: replace(s, stage="voice", voice=mode).pack())
    if not needs_language_notice(s.lang):
        await edit(update, modes_text(), buttons)
        return
    await edit(update, "\n\n".join([language_notice_text(), modes_text()]), buttons)
    await send_recording(update, context, notice_key(s.lang), buttons)


async def _hear(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: AudioKey, buttons: Buttons
) -> None:
    """The 🔊 of a screen: its recording below it, with the screen's answers."""
    if not await send_recording(update, context, key, buttons):
        await reply(update, _("There is no recording of this screen in your language yet."))


async def _enroll(update: Update, context: ContextTypes.DEFAULT_TYPE, s: Join) -> None:
    user = update.effective_user
    assert user is not None
    result = await enroll(
        rt(context),
        code=s.code,
        telegram_id=user.id,
        language=s.lang,
        progress_opt_in=s.opt_in,
        first_name=(user.first_name[:64] if s.show_name else None),
        discreet=s.discreet,
        voice_mode=s.voice,
    )
    if isinstance(result, InviteProblem):
        await edit(update, _problem_text(result))
        return
    name = html.escape(result.group.name)
    if result.caught_up:
        when = _("Your first message is on its way now.")
    elif result.first_message_at is not None:
        when = _("Your first message will arrive on {when}.").format(
            when=format_when(result.first_message_at, result.group.timezone, current_language())
        )
    else:
        when = _("This group's programme has ended, so no more weekly messages will come.")
    await edit(
        update,
        "\n\n".join(
            [
                _("Welcome to <b>{group}</b>! You are now part of the group.").format(group=name),
                when,
                _("Send /help at any time to see what you can do."),
            ]
        ),
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start, filters=filters.ChatType.PRIVATE))
