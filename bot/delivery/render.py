"""Turn an outbox item into what one person receives, in their language.

Each outbox kind (bot/domain/outbox_kinds.py) has one renderer, registered with @renderer in a
module of bot/delivery/kinds/; importing that package registers them all. This module knows no
kind itself, so the kinds import it and never the other way round. `renderer_table` checks that
every kind has exactly one renderer: `build_application` calls it, so a kind without one stops
Foyer at start-up, not when its first message fails to go out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.domain.outbox_kinds import OutboxKind
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
    # The heading, when the text is longer: a voice message's caption for members who listen
    # (bot/delivery/outgoing.py). None: the text is its own heading.
    title: str | None = None


class NothingToSend(Exception):
    """The item refers to something that no longer exists (a curriculum removed, say)."""


class RenderersIncomplete(Exception):
    """Some outbox kind has no renderer, or two: a mistake in the code, said in one line."""


Renderer = Callable[[Claimed, Runtime], Awaitable[Outgoing]]
Registration = tuple[OutboxKind, Renderer]
# Every @renderer in import order, twice-registered kinds included, so the check can see them.
REGISTERED: list[Registration] = []


def renderer(kind: OutboxKind) -> Callable[[Renderer], Renderer]:
    def register(func: Renderer) -> Renderer:
        REGISTERED.append((kind, func))
        return func

    return register


def renderer_table(registered: Iterable[Registration]) -> dict[str, Renderer]:
    """Each outbox kind with its one renderer; RenderersIncomplete when a kind has none or
    more than one."""
    found: dict[str, list[Renderer]] = {}
    for kind, func in registered:
        found.setdefault(kind, []).append(func)
    missing = [kind.value for kind in OutboxKind if kind not in found]
    twice = [kind for kind, funcs in found.items() if len(funcs) > 1]
    if missing or twice:
        problems = [
            f"{label}: {', '.join(kinds)}"
            for label, kinds in (("without a renderer", missing), ("with two renderers", twice))
            if kinds
        ]
        raise RenderersIncomplete("outbox kinds " + "; ".join(problems))
    return {kind: funcs[0] for kind, funcs in found.items()}


async def render(
    item: Claimed, rt: Runtime, renderers: Mapping[str, Renderer] | None = None
) -> Outgoing:
    """``renderers``: the table checked at start-up (the sender's); the registered renderers
    when none is given (the content tools)."""
    table: Mapping[str, Renderer] = dict(REGISTERED) if renderers is None else renderers
    func = table.get(item.kind)
    if func is None:
        raise NothingToSend(item.kind)  # a row of a kind this version no longer sends
    with use_language(item.language or rt.settings.default_language):
        return await func(item, rt)
