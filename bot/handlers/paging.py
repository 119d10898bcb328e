"""Long lists a page at a time: every page within Telegram's 4096 characters and a handful of
buttons, with Previous and Next. A page number that does not exist (forged, or a list that
shrank since) is answered like any stale button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import Update

from bot.domain.buttons import Button
from bot.handlers.common import Buttons, edit
from bot.handlers.routing import answer_stale
from bot.i18n import _

T = TypeVar("T")

# The list's own text on one page, in UTF-16 units as Telegram counts them (HTML tags
# included, which only overestimates): the rest of the 4096 is for headings and hints.
TEXT_BUDGET = 3000
PER_PAGE = 8  # items, each usually a button


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # from 0
    count: int


def split(
    items: Sequence[T],
    size: Callable[[T], int] = lambda _item: 0,
    *,
    budget: int = TEXT_BUDGET,
    per_page: int = PER_PAGE,
) -> list[list[T]]:
    """Items in order, as many on each page as fit both limits (one page, maybe empty, at least)."""
    pages: list[list[T]] = [[]]
    used = 0
    for item in items:
        n = size(item)
        if pages[-1] and (len(pages[-1]) >= per_page or used + n > budget):
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += n
    return pages


def page(
    items: Sequence[T],
    number: int,
    size: Callable[[T], int] = lambda _item: 0,
    *,
    per_page: int = PER_PAGE,
) -> Page[T] | None:
    """Page `number` of the list, or None when there is no such page."""
    pages = split(items, size, per_page=per_page)
    if not 0 <= number < len(pages):
        return None
    return Page(pages[number], number, len(pages))


def title(p: Page[T]) -> list[str]:
    """ "Page 2 of 5" as a line to add, or nothing when everything fits on one page."""
    if p.count == 1:
        return []
    return [_("Page {number} of {count}").format(number=p.number + 1, count=p.count)]


def nav(p: Page[T], to_page: Callable[[int], Button]) -> Buttons:
    """Previous and Next, as the list's own page buttons (`to_page(number)`)."""
    row = []
    if p.number > 0:
        row.append((_("« Previous"), to_page(p.number - 1).pack()))
    if p.number + 1 < p.count:
        row.append((_("Next »"), to_page(p.number + 1).pack()))
    return [row] if row else []


async def turn(update: Update, shown: tuple[str, Buttons] | None) -> None:
    """Show the page in place of the last one, or answer as a stale button when there is no
    such page (forged, or the list shrank since it was sent)."""
    if shown is None:
        await answer_stale(update)
        return
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit(update, *shown)
