"""Bot API calls whose answer Foyer does not read, made without building PTB objects.

python-telegram-bot's ``send_message`` and ``edit_message_text`` turn Telegram's answer into a
``telegram.Message`` (user, chat, entities, keyboard). The sender needs only the new message's
id and an edit needs nothing, and building that object costs 10-15 % of a call
(docs/performance.md, fifth round). These helpers take PTB's own request path all the same:
ExtBot's rate limiter, Foyer's HTTP client with its flood gate, and PTB's mapping of errors to
RetryAfter, Forbidden and BadRequest.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot

Buttons = list[list[tuple[str, str]]]


async def call(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    """The raw ``result`` of a Bot API method (a dict, a list or True)."""
    return await bot._post(method, params)


async def send_for_id(bot: Bot, method: str, params: dict[str, Any]) -> int:
    """Call a send method and return the new message's id."""
    result = await call(bot, method, params)
    return int(result["message_id"])


def inline_keyboard(buttons: Buttons | None) -> dict[str, Any] | None:
    """Rows of (label, callback data) as the Bot API's JSON."""
    if not buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in buttons
        ]
    }
