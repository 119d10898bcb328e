"""Turn an outbox item into what one person receives, in their language.

Each outbox kind has one renderer, registered with @renderer in a module of
bot/delivery/kinds/ (imported by that package), so a new kind of message adds a module here and
touches neither the planner nor the sender.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.i18n import use_language
from bot.runtime import Runtime
from bot.storage.outbox import Claimed

Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class Outgoing:
    text: str  # HTML; the caption when there is media
    buttons: Buttons = field(default_factory=list)
    protect_content: bool = False
    disable_notification: bool = False
    media: tuple[str, str] | None = None  # (photo | voice | audio, file_id)
    # Whether this is programme content that discreet mode may erase and protect.
    programme: bool = True


class NothingToSend(Exception):
    """The item refers to something that no longer exists (a curriculum removed, say)."""


Renderer = Callable[[Claimed, Runtime], Awaitable[Outgoing]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(func: Renderer) -> Renderer:
        RENDERERS[kind] = func
        return func

    return register


async def render(item: Claimed, rt: Runtime) -> Outgoing:
    import bot.delivery.kinds  # noqa: F401  (registers every kind)

    func = RENDERERS.get(item.kind)
    if func is None:
        raise NothingToSend(item.kind)
    with use_language(item.language or rt.settings.default_language):
        return await func(item, rt)
