"""foyer partner-contact ...: women's organisation contacts who invite members' partners."""

from __future__ import annotations

import argparse
import json

from bot.commands.common import (
    bot_username,
    print_invite,
    require_current_db,
    settings,
    with_runtime,
)
from bot.commands.errors import CliError
from bot.services import couples


def invite(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    code = with_runtime(s, lambda rt: couples.create_contact_invite(rt, args.group))
    if code is None:
        raise CliError(f"there is no group {args.group}")
    print_invite(
        "partner contact", code, bot_username(s), couples.PARTNER_INVITE_DAYS, args.group, args.json
    )
    return 0


def list_contacts(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    rows = with_runtime(s, couples.list_contacts)
    out = [
        {
            "telegram_id": r.telegram_id,
            "group": r.group_id,
            "status": "revoked" if r.revoked_at else "active",
            "since": r.created_at.date().isoformat(),
        }
        for r in rows
    ]
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    if not out:
        print("no partner contacts yet: invite one with 'foyer partner-contact invite --group ID'")
    for r in out:
        print(f"{r['telegram_id']:>12}  group {r['group']}  {r['status']:<8}  since {r['since']}")
    return 0


def revoke(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    if not with_runtime(s, lambda rt: couples.revoke_contact(rt, args.telegram_id)):
        raise CliError(f"{args.telegram_id} is not an active partner contact")
    print(f"{args.telegram_id} can no longer invite partners")
    return 0
