"""Which commands each person is shown: in Telegram's command menu and in /help.

Members get the default menu (set for every language at start). Each facilitator, recorder,
admin and safeguarding focal point gets a menu of their own (BotCommandScopeChat, in their
language): their role's commands first, then the members' ones. It is set at start for everyone
who has a role, again when a facilitator or recorder accepts an invitation or changes language,
and taken away at the next start once the role is gone (at once when an admin ends the role with
/staff, and by `foyer facilitator revoke` or `foyer recorder revoke` when it reaches Telegram).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n import _, pick_language, use_language
from bot.runtime import Runtime
from bot.services import recorders, staff_access
from bot.storage import people, staff
from bot.storage.staff import RECORDER

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Roles:
    facilitator: bool = False
    admin: bool = False
    focal: bool = False
    recorder: bool = False

    @property
    def any(self) -> bool:
        return self.facilitator or self.admin or self.focal or self.recorder


def settings_roles(rt: Runtime, telegram_id: int) -> Roles:
    """The roles named in the settings, known without the database."""
    s = rt.settings
    return Roles(admin=telegram_id in s.admin_ids, focal=telegram_id in s.safeguarding_ids)


async def roles_of(rt: Runtime, telegram_id: int) -> Roles:
    known = settings_roles(rt, telegram_id)
    actor = await staff_access.actor(rt, telegram_id)
    records = bool((await recorders.recorder_of(rt, telegram_id)).records)
    return Roles(
        facilitator=actor.facilitator, admin=known.admin, focal=known.focal, recorder=records
    )


# --- the commands of each role (one description each, for the menu and for /help) -------------


def member_commands() -> list[tuple[str, str]]:
    return [
        ("help", _("Help and where to find support")),
        ("progress", _("Your own answers")),
        ("pause", _("Take a break")),
        ("resume", _("Start again after a break")),
        ("language", _("Change the language")),
        ("stop", _("Stop receiving messages")),
    ]


def facilitator_commands() -> list[tuple[str, str]]:
    return [
        ("groups", _("Your groups: invite link, members, schedule, reminders")),
        ("newgroup", _("Set up a new group")),
        ("broadcast", _("Send a message to a group")),
        ("remind", _("Plan a reminder of the next meeting")),
        ("report", _("A group's totals and chart")),
        ("export", _("A group's totals as a CSV file")),
        ("partnerinvite", _("Invite a member's partner (couples exercises)")),
        ("cancel", _("Stop the answer Foyer is waiting for")),
    ]


def recorder_commands() -> list[tuple[str, str]]:
    return [
        ("record", _("Record the programme's voice messages")),
        ("review", _("Listen to recordings and approve them")),
        ("cancel", _("Stop the answer Foyer is waiting for")),
    ]


def admin_commands(facilitator: bool) -> list[tuple[str, str]]:
    found = [("newfacilitator", _("Invite a new facilitator, for a group or none yet"))]
    if not facilitator:  # a facilitator's /groups is already in their list
        found.append(("groups", _("Every group, to see how it is going")))
    found.append(("programme", _("The programme's key numbers across every group, and a chart")))
    found.append(("recorders", _("Invite a recorder of the programme's voice messages")))
    found.append(("staff", _("The facilitators and recorders active now; end someone's role")))
    found.append(("review", _("Listen to recordings and approve them")))
    return found


def focal_commands(admin: bool = False) -> list[tuple[str, str]]:
    found = [("help", _("Help, and how concerns reach you"))]
    if not admin:  # an admin's /programme shows these counts too, described in their list
        found.append(("programme", _("Help shown and concerns filed, across the programme")))
    return found


def menu(roles: Roles) -> list[BotCommand]:
    """Help first, then the role's commands, then the members' ones, each command once."""
    found: list[tuple[str, str]] = []
    if roles.focal:
        found += focal_commands(roles.admin)
    if roles.facilitator:
        found += facilitator_commands()
    if roles.recorder:
        found += recorder_commands()
    if roles.admin:
        found += admin_commands(roles.facilitator)
    found += member_commands()
    once: dict[str, str] = {}
    for name, text in found:
        once.setdefault(name, text)  # each command once, where its role first names it
    help_first = sorted(once.items(), key=lambda c: c[0] != "help")
    return [BotCommand(name, text) for name, text in help_first]


def help_text(roles: Roles) -> str:
    """The staff part of /help: one block per role the person holds ("" for members)."""
    blocks: list[str] = []
    if roles.facilitator:
        lines = [_("As a facilitator, you can send:")]
        lines += [f"/{name}: {text}" for name, text in facilitator_commands()]
        lines.append(
            _(
                "In your group's Telegram chat: /link with the code from /groups, "
                "Link the group chat."
            )
        )
        blocks.append("\n".join(lines))
    if roles.recorder:
        lines = [_("As a recorder, you can send:")]
        lines += [f"/{name}: {text}" for name, text in recorder_commands()]
        blocks.append("\n".join(lines))
    if roles.admin:
        lines = [_("As an admin, you can send:")]
        lines += [f"/{name}: {text}" for name, text in admin_commands(roles.facilitator)]
        blocks.append("\n".join(lines))
    if roles.focal:
        blocks.append(
            "\n".join(
                [
                    _("As a safeguarding focal point:"),
                    _(
                        "Concerns and requests to talk reach you here as messages. Open each "
                        "with its button, then mark it received or closed, or answer the "
                        "person: Foyer passes your answer on without telling you who they are."
                    ),
                    *[
                        f"/{name}: {text}"
                        for name, text in focal_commands(roles.admin)
                        if name != "help"
                    ],
                ]
            )
        )
    return "\n\n".join(blocks)


# --- Telegram's menus ----------------------------------------------------------------------------


async def set_default_menus(bot: Bot) -> None:
    """The members' menu, for everyone without a role of their own."""
    with use_language("en"):
        await bot.set_my_commands(menu(Roles()))
    for lang in SUPPORTED_LANGUAGES:
        with use_language(lang):
            await bot.set_my_commands(menu(Roles()), language_code=lang)


async def refresh(bot: Bot, rt: Runtime, telegram_id: int, *, remove: bool = True) -> bool:
    """Set this person's own menu for their roles, or remove it when they have none left
    (unless ``remove`` is False: a member changing language has none to remove).

    A chat the bot cannot write to (an admin who never opened Foyer) is logged and skipped;
    False then."""
    roles = await roles_of(rt, telegram_id)
    scope = BotCommandScopeChat(telegram_id)
    try:
        if not roles.any:
            if remove:
                await bot.delete_my_commands(scope=scope)
            return True
        async with rt.engine.connect() as conn:
            person = await people.by_telegram_id(conn, telegram_id)
        stored = person.language if person else None
        lang = pick_language(stored, None, rt.settings.default_language)
        with use_language(lang):
            await bot.set_my_commands(menu(roles), scope=scope)
    except TelegramError as exc:
        log.warning("menus.not_set chat=%s error=%s", telegram_id, type(exc).__name__)
        return False
    return True


async def refresh_all(bot: Bot, rt: Runtime) -> None:
    """At start: every facilitator (revoked ones lose their menu), admin and focal point."""
    try:
        async with rt.engine.connect() as conn:
            rows = await staff.list_all(conn) + await staff.list_all(conn, RECORDER)
        ids = {r.telegram_id for r in rows} | rt.settings.admin_ids | rt.settings.safeguarding_ids
        for telegram_id in sorted(ids):
            await refresh(bot, rt, telegram_id)
            await asyncio.sleep(0)  # let updates that arrive meanwhile be served
    except Exception as exc:  # the database at start: the next start tries again
        log.warning("menus.not_refreshed error=%s", type(exc).__name__)
        return
    log.info("menus.refreshed people=%s", len(ids))
