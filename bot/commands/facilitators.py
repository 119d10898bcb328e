"""foyer facilitator ...: invite, list and revoke facilitators from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands.common import (
    invite_command,
    on_current_db,
    print_listing,
    require_current_db,
    settings,
    with_runtime,
)
from bot.commands.errors import CliError
from bot.runtime import Runtime
from bot.services import facilitation


def invite(args: argparse.Namespace) -> int:
    return invite_command(
        args,
        "facilitator",
        facilitation.INVITE_DAYS,
        lambda rt: facilitation.create_invite(rt, args.group),
    )


def list_facilitators(args: argparse.Namespace) -> int:
    rows = on_current_db(facilitation.list_facilitators)
    out: list[dict[str, Any]] = [
        {
            "telegram_id": r.staff.telegram_id,
            "status": "revoked"
            if r.staff.revoked_at
            else ("active" if r.staff.active else "not accepted"),
            "since": r.staff.created_at.date().isoformat(),
            "groups": r.group_ids,
        }
        for r in rows
    ]
    print_listing(
        out,
        args.json,
        "no facilitators yet: invite one with 'foyer facilitator invite'",
        lambda r: (
            f"{r['telegram_id']:>12}  {r['status']:<8}  since {r['since']}  "
            f"groups {','.join(str(g) for g in r['groups']) or '-'}"
        ),
    )
    return 0


def revoke(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    done = with_runtime(s, lambda rt: facilitation.revoke(rt, args.telegram_id))
    if not done:
        raise CliError(f"{args.telegram_id} is not an active facilitator")
    print(f"{args.telegram_id} is no longer a facilitator; their groups keep running")
    if not with_runtime(s, lambda rt: _reset_menu(rt, args.telegram_id)):
        print("their command menu goes back to the members' one when the bot next starts")
    return 0


async def _reset_menu(rt: Runtime, telegram_id: int) -> bool:
    """Give them the menu of the roles they have left (the members' one) right away; False
    when Telegram cannot be reached (no token, no network): the bot does it at its next start."""
    if not rt.settings.bot_token:
        return False
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.handlers import staff_menus

    try:
        async with Bot(rt.settings.bot_token, base_url=rt.settings.bot_api_base_url) as bot:
            return await staff_menus.refresh(bot, rt, telegram_id)
    except TelegramError:
        return False
