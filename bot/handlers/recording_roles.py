"""Becoming a recorder: an admin's invitation (/recorders), the staff code of conduct."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.domain.buttons.recording import RecorderConduct, RecorderInvite
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.handlers import staff_conduct
from bot.handlers.common import Buttons, edit, reply, rt
from bot.handlers.facilitator_roles import invite_link
from bot.handlers.routing import answers
from bot.handlers.staff_auth import Context, acknowledged, admin_only
from bot.i18n import LANGUAGE_NAMES, _
from bot.services import recorders
from bot.services.staff_access import Staff


def languages_text(languages: tuple[str, ...]) -> str:
    return ", ".join(LANGUAGE_NAMES.get(code, code) for code in languages)


def _bad_invite_text() -> str:
    return _(
        "This recorder invitation does not work any more: it was used, it expired or it was "
        "withdrawn. Please ask the programme's coordinator for a new one."
    )


async def start_recorder(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """/start CODE with a recorder invitation: the staff code of conduct to accept."""
    languages = await recorders.check_invite(rt(context), code)
    if languages is None:
        await reply(update, _bad_invite_text())
        return
    intro = _(
        "You are invited to record the programme's voice messages on Foyer, in: {languages}."
    ).format(languages=html.escape(languages_text(languages)))
    await staff_conduct.offer(
        update, intro, RecorderConduct(code, True).pack(), RecorderConduct(code, False).pack()
    )


@answers(RecorderConduct)
@acknowledged
async def on_conduct(update: Update, context: Context, answer: RecorderConduct) -> None:
    async def take(uid: int, language: str) -> tuple[str, ...] | None:
        return await recorders.accept_invite(rt(context), answer.code, uid, language)

    def welcome(languages: tuple[str, ...]) -> list[str]:
        return [
            _("Thank you. You now record the programme in: {languages}.").format(
                languages=html.escape(languages_text(languages))
            ),
            _(
                "Send /record to see what still needs a recording, and /review to listen "
                "to other recorders' recordings and approve them."
            ),
        ]

    await staff_conduct.answer(update, context, answer.accepted, take, _bad_invite_text(), welcome)


# --- admins ------------------------------------------------------------------------------------


def _choice(chosen: tuple[str, ...]) -> tuple[str, Buttons]:
    """The languages to pick, each a toggle, and the link once one is picked."""
    buttons: Buttons = []
    for code in SUPPORTED_LANGUAGES:
        on = code in chosen
        toggled = recorders.in_order(
            tuple(c for c in chosen if c != code) if on else (*chosen, code)
        )
        mark = "☑️ " if on else "▫️ "
        buttons.append([(mark + LANGUAGE_NAMES[code], RecorderInvite(toggled).pack())])
    if chosen:
        buttons.append([("🔗 " + _("Make the link"), RecorderInvite(chosen, True).pack())])
    text = _("Which languages will the new recorder record? Choose one or more.")
    return text, buttons


@admin_only
async def recorders_command(update: Update, context: Context, who: Staff) -> None:
    """/recorders [LANGUAGE ...] (admins): a one-time recorder invitation, valid 7 days."""
    args = tuple(a.lower() for a in (context.args or []))
    if not args:
        await reply(update, *_choice(()))
        return
    if recorders.unknown_languages(args):
        await reply(
            update,
            _("Send /recorders, or /recorders followed by languages among: {codes}.").format(
                codes=" ".join(SUPPORTED_LANGUAGES)
            ),
        )
        return
    await _send_invite(update, context, who, recorders.in_order(args))


@answers(RecorderInvite)
@admin_only
@acknowledged
async def on_invite_choice(update: Update, context: Context, who: Staff, b: RecorderInvite) -> None:
    if b.done and b.languages:
        await _send_invite(update, context, who, b.languages)
        return
    await edit(update, *_choice(recorders.in_order(b.languages)))


async def _send_invite(
    update: Update, context: Context, who: Staff, languages: tuple[str, ...]
) -> None:
    code = await recorders.create_invite(rt(context), languages, who.telegram_id)
    await edit(
        update,
        "\n\n".join(
            [
                _(
                    "Send this link to the new recorder ({languages}). It works once, for 7 days."
                ).format(languages=html.escape(languages_text(languages))),
                html.escape(invite_link(context.bot.username, code)),
            ]
        ),
    )


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("recorders", recorders_command, filters=private))
