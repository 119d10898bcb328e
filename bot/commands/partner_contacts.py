"""foyer partner-contact ...: women's organisation contacts who invite members' partners."""

from __future__ import annotations

import argparse

from bot.commands.common import (
    invite_command,
    on_current_db,
    print_listing,
)
from bot.commands.errors import CliError
from bot.services import couples


def invite(args: argparse.Namespace) -> int:
    return invite_command(
        args,
        "partner contact",
        couples.PARTNER_INVITE_DAYS,
        lambda rt: couples.create_contact_invite(rt, args.group),
    )


def list_contacts(args: argparse.Namespace) -> int:
    rows = on_current_db(couples.list_contacts)
    out = [
        {
            "telegram_id": r.telegram_id,
            "group": r.group_id,
            "status": "revoked" if r.revoked_at else "active",
            "since": r.created_at.date().isoformat(),
        }
        for r in rows
    ]
    print_listing(
        out,
        args.json,
        "no partner contacts yet: invite one with 'foyer partner-contact invite --group ID'",
        lambda r: (
            f"{r['telegram_id']:>12}  group {r['group']}  {r['status']:<8}  since {r['since']}"
        ),
    )
    return 0


def revoke(args: argparse.Namespace) -> int:
    if not on_current_db(lambda rt: couples.revoke_contact(rt, args.telegram_id)):
        raise CliError(f"{args.telegram_id} is not an active partner contact")
    print(f"{args.telegram_id} can no longer invite partners")
    return 0
