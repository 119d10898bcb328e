"""foyer recorder ...: invite, list and revoke the recorders of the programme's voice messages."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.commands.common import (
    bot_username,
    on_current_db,
    print_invite,
    print_listing,
    require_current_db,
    settings,
    with_runtime,
)
from bot.commands.errors import CliError
from bot.commands.facilitators import _reset_menu
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.services import recorders


def invite(args: argparse.Namespace) -> int:
    asked = tuple(code.strip().lower() for code in args.language)
    unknown = recorders.unknown_languages(asked)
    if unknown:
        raise CliError(
            f"unknown language {unknown[0]!r}: choose among {' '.join(SUPPORTED_LANGUAGES)}"
        )
    s = settings()
    require_current_db(s)
    languages = recorders.in_order(asked)
    code = with_runtime(s, lambda rt: recorders.create_invite(rt, languages))
    username = bot_username(s)
    if args.json:
        link = username.link(code)
        print(json.dumps({"invite_code": code, "invite_link": link, "languages": languages}))
        return 0
    print_invite(
        f"recorder ({','.join(languages)})", code, username, recorders.INVITE_DAYS, None, False
    )
    return 0


def list_recorders(args: argparse.Namespace) -> int:
    rows = on_current_db(recorders.list_recorders)
    out: list[dict[str, Any]] = [
        {
            "telegram_id": r.telegram_id,
            "status": "revoked" if r.revoked_at else ("active" if r.active else "not accepted"),
            "since": r.created_at.date().isoformat(),
            "languages": list(r.languages),
        }
        for r in rows
    ]
    print_listing(
        out,
        args.json,
        "no recorders yet: invite one with 'foyer recorder invite --language bm'",
        lambda r: (
            f"{r['telegram_id']:>12}  {r['status']:<8}  since {r['since']}  "
            f"languages {','.join(r['languages']) or '-'}"
        ),
    )
    return 0


def revoke(args: argparse.Namespace) -> int:
    s = settings()
    require_current_db(s)
    if not with_runtime(s, lambda rt: recorders.revoke(rt, args.telegram_id)):
        raise CliError(f"{args.telegram_id} is not an active recorder")
    print(f"{args.telegram_id} is no longer a recorder; the recordings they made stay")
    if not with_runtime(s, lambda rt: _reset_menu(rt, args.telegram_id)):
        print("their command menu changes when the bot next starts")
    return 0
