"""Buttons to handlers: each handler says which button family it answers (`@answers(Family)`),
and one CallbackQueryHandler unpacks the pressed button and calls it. Anything that does not
unpack (forged, truncated, too long, from an older version, no handler) gets the one stale
answer, here, and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.buttons import Button, families, unpack
from bot.i18n import _

B = TypeVar("B", bound=Button)
ButtonHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, B], Awaitable[None]]

_HANDLERS: dict[type[Button], ButtonHandler[Any]] = {}


def answers(family: type[B]) -> Callable[[ButtonHandler[B]], ButtonHandler[B]]:
    """Make the decorated coroutine the one handler of this button family."""

    def register(handler: ButtonHandler[B]) -> ButtonHandler[B]:
        assert family not in _HANDLERS, f"{family.__name__} has two handlers"
        _HANDLERS[family] = handler
        return handler

    return register


def stale_text() -> str:
    return _("This button no longer works.")


async def answer_stale(update: Update) -> None:
    """The one answer to a button that is not (or no longer) ours to act on."""
    if update.callback_query is not None:
        await update.callback_query.answer(stale_text())


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    button = unpack(query.data)
    handler = _HANDLERS.get(type(button)) if button is not None else None
    if handler is None:
        await answer_stale(update)
        return
    await handler(update, context, button)


def unanswered() -> list[str]:
    """Button families that no handler answers: none, once every handler module is imported."""
    return sorted(f.__name__ for f in families() if f not in _HANDLERS)


class ButtonsUnanswered(RuntimeError):
    """A button family that no handler answers: found when the application is built, not when
    someone presses it."""


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Route every button family; called after every handler module is imported."""
    if missing := unanswered():
        raise ButtonsUnanswered("button families without a handler: " + ", ".join(missing))
    app.add_handler(CallbackQueryHandler(on_button))
