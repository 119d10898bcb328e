"""The couples track in the chat: /partner, the partner's own entry, the private check-in.

Safety rule: no message here mentions the other partner's actions, answers or status.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.member import CouplesCheckIn, PartnerStep, VoiceModeChoice
from bot.domain.outbox_kinds import OutboxKind
from bot.domain.symbols import NO, YES, label
from bot.handlers.checkin import recorded
from bot.handlers.common import Buttons, ask_language, current_person, edit, reply, rt
from bot.handlers.hearing import send_recording
from bot.handlers.language_notice import language_notice_text, needs_language_notice, notice_key
from bot.handlers.routing import answers
from bot.handlers.voice_modes import mode_buttons, modes_text
from bot.i18n import _, current_language, format_day, use_language
from bot.services import couples
from bot.services.couples import PartnerProblem


def _problem_text(problem: PartnerProblem) -> str:
    if problem is PartnerProblem.OWN_LINK:
        return _(
            "This invitation is for your partner. Please pass the link on to her; "
            "it cannot be used from your own account."
        )
    if problem is PartnerProblem.ALREADY_LINKED:
        return _(
            "You already take part in Foyer's couples exercises. This invitation cannot be used "
            "from your account. Nothing has changed."
        )
    if problem is PartnerProblem.NO_TRACK:
        return _("This group does not have couples exercises. Nothing has changed.")
    if problem is PartnerProblem.NOT_A_MEMBER:
        return _(
            "Partner invitations are for members of a group with couples exercises. "
            "Your facilitator can tell you more."
        )
    return _(
        "This invitation does not work any more: it may have been used already or be older than "
        "seven days. Please ask for a new one. Nothing about you has been stored."
    )


async def partner_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/partner: a one-time invitation for the member to pass on."""
    person = current_person()
    if person is None:
        await reply(update, _problem_text(PartnerProblem.NOT_A_MEMBER))
        return
    result = await couples.invite_partner(rt(context), person.id)
    if isinstance(result, PartnerProblem):
        await reply(update, _problem_text(result))
        return
    link = f"https://t.me/{context.bot.username}?start={result.code}"
    await reply(
        update,
        "\n\n".join(
            [
                _("Here is an invitation for your partner to join the couples exercises:"),
                link,
                _("It works once, until {day}.").format(
                    day=format_day(result.expires_at, result.group.timezone, current_language())
                ),
                _(
                    "Taking part is her free choice. Foyer will never tell you whether she opens "
                    "it, joins, says no or leaves later, and it never shows either of you what "
                    "the other answers. Your couples exercises arrive the same either way."
                ),
                _("Your facilitator can also invite her directly, which is often the best way."),
            ]
        ),
    )


async def start_partner(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """/start with a partner invitation (called by the join handler)."""
    user = update.effective_user
    assert user is not None
    check = await couples.check_partner_invite(rt(context), code, user.id)
    if check.problem is not None:
        await reply(update, _problem_text(check.problem))
        return
    await ask_language(
        update, user.language_code, lambda lang: PartnerStep("lang", code, lang).pack()
    )


def _partner_consent_text() -> str:
    return "\n\n".join(
        [
            _("<b>An invitation to couples exercises</b>"),
            _(
                "Foyer sends short exercises for couples to do together, face to face, on some "
                "weeks of a group programme."
            ),
            _(
                "Taking part is your free choice. You can leave at any time with /stop, and the "
                "other person is not told."
            ),
            _(
                "Foyer never shows either of you what the other answers, and never tells either "
                "of you whether the other takes part."
            ),
            _(
                "Foyer is not an emergency service. If you are in danger, send /help at any time "
                "to see where to get help."
            ),
            _("Do you want to take part?"),
        ]
    )


@answers(PartnerStep)
async def on_partner_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, step: PartnerStep
) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    with use_language(step.lang):
        await _answer_step(update, context, step)


async def _answer_step(update: Update, context: ContextTypes.DEFAULT_TYPE, s: PartnerStep) -> None:
    user = update.effective_user
    assert user is not None
    if s.stage == "decline":
        await edit(
            update,
            _("No problem. Nothing about you has been stored, and nobody is told."),
        )
        return
    if s.stage == "lang":
        check = await couples.check_partner_invite(rt(context), s.code, user.id)
        if check.problem is not None:
            await edit(update, _problem_text(check.problem))
            return
        buttons: Buttons = [
            [
                (
                    label(YES, _("Yes, I want to take part")),
                    PartnerStep("accept", s.code, s.lang).pack(),
                )
            ],
            [(label(NO, _("No, thank you")), PartnerStep("decline", "", s.lang).pack())],
        ]
        if not needs_language_notice(s.lang):
            await edit(update, _partner_consent_text(), buttons)
            return
        # Told first, in French, that written messages come in French; heard when recorded.
        await edit(update, "\n\n".join([language_notice_text(), _partner_consent_text()]), buttons)
        await send_recording(update, context, notice_key(s.lang), buttons)
        return
    result = await couples.enroll_partner(
        rt(context), code=s.code, telegram_id=user.id, language=s.lang
    )
    if isinstance(result, PartnerProblem):
        await edit(update, _problem_text(result))
        return
    # Her last step of joining is how she receives the exercises (the /settings choice, so a
    # press is saved to her as it is from there).
    await edit(
        update,
        "\n\n".join(
            [
                _("Welcome. You will receive the couples exercises here, in your own chat."),
                _("Send /help at any time to see where to find support, or /stop to leave."),
                modes_text(),
            ]
        ),
        mode_buttons(lambda mode: VoiceModeChoice(mode).pack()),
    )


@answers(CouplesCheckIn)
async def on_couples_checkin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, answer: CouplesCheckIn
) -> None:
    if await recorded(update, context, answer, kind=OutboxKind.COUPLES_CHECKIN) is None:
        return
    if answer.value == "done":
        await edit(update, _("Thank you. Well done for making this time together."))
    elif answer.value == "notyet":
        await edit(update, _("Thank you. There is still time this week, when it suits you both."))
    else:
        # Only this person is offered help; nothing else happens and nobody else is told.
        await edit(
            update,
            _(
                "Thank you for telling Foyer. These conversations can be hard. You do not have "
                "to continue an exercise that does not feel safe. Send /help to see where to "
                "find support, or to ask to talk to a person."
            ),
        )


async def start_in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An invitation opened in a group chat: say where it works, reveal nothing."""
    await reply(
        update, _("Invitations work only in a private chat with Foyer. Nothing has changed.")
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("partner", partner_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("start", start_in_group, filters=~filters.ChatType.PRIVATE))
