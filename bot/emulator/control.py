"""HTTP control API, so a standalone emulator (``python -m bot.emulator``) can be driven.

``POST /_emulator/<action>`` with a JSON object of keyword arguments calls the emulator's
Python method of that name, e.g. ``/_emulator/send_text {"user_id": 1, "text": "/start"}``;
``GET /_emulator/messages?chat_id=1`` works for reads. The answer is
``{"ok": true, "result": ...}`` with messages and records as plain JSON.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from bot.emulator.http import Request, Response

PREFIX = "/_emulator/"
ACTIONS = frozenset(
    {
        "user",
        "send_text",
        "edit_text",
        "press_button",
        "send_voice",
        "send_photo",
        "send_document",
        "send_sticker",
        "send_location",
        "send_group_text",
        "add_bot_to_group",
        "remove_bot_from_group",
        "block",
        "unblock",
        "callback_answer",
        "messages",
        "all_messages",
        "history",
        "last_message",
        "drain",
        "calls",
        "commands",
        "menu_for",
        "menu_button",
        "inject",
        "limit_per_chat",
        "clear_faults",
        "reset_counters",
        "forget_files",
        "uploads",
        "wait_for_message",
        "wait_for_edit",
        "wait_idle",
        "redeliver",
        "delivered_update",
        "webhook_info",
    }
)


def jsonable(value: Any) -> Any:
    """Dataclasses, datetimes and bytes as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in ("rng", "emulator")
        }
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"size": len(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


async def handle(emulator: object, action: str, request: Request) -> Response:
    """Call ``emulator``'s method named ``action`` (one of ACTIONS); the server passes itself in,
    so this module needs nothing of it but its methods' names."""
    if action not in ACTIONS:
        return Response.json(404, {"ok": False, "description": f"unknown action {action}"})
    kwargs: dict[str, Any] = {}
    for name, raw in parse_qsl(request.query):
        try:
            kwargs[name] = json.loads(raw)
        except ValueError:
            kwargs[name] = raw
    if request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return Response.json(400, {"ok": False, "description": "body must be JSON"})
        if not isinstance(body, dict):
            return Response.json(400, {"ok": False, "description": "body must be an object"})
        kwargs.update(body)
    try:
        result = getattr(emulator, action)(**kwargs)
        if inspect.isawaitable(result):
            result = await result
    except (TypeError, ValueError, KeyError, AssertionError) as error:
        return Response.json(400, {"ok": False, "description": f"{type(error).__name__}: {error}"})
    return Response.json(200, {"ok": True, "result": jsonable(result)})
