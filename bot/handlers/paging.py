"""Long lists a page at a time: every page within Telegram's 4096 characters and a handful of
buttons, with Previous and Next. A page number that does not exist (forged, or a list that
shrank since) is answered like any stale button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import Update

from bot.handlers.callbacks import PageRequest, page_data, parse_page
from bot.handlers.common import Buttons, edit
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


def nav(p: Page[T], list_code: str, group_id: int | None = None) -> Buttons:
    row = []
    if p.number > 0:
        row.append((_("« Previous"), page_data(list_code, p.number - 1, group_id)))
    if p.number + 1 < p.count:
        row.append((_("Next »"), page_data(list_code, p.number + 1, group_id)))
    return [row] if row else []


async def stale(update: Update) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(_("This button no longer works."))


async def asked(update: Update) -> PageRequest | None:
    """The page a Previous or Next button asks for; None once it was answered as stale."""
    query = update.callback_query
    assert query is not None
    request = parse_page(query.data or "")
    if request is None:
        await stale(update)
    return request


async def turn(update: Update, shown: tuple[str, Buttons] | None) -> None:
    """Show the page in place of the last one, or answer as a stale button when there is no
    such page (forged, or the list shrank since it was sent)."""
    if shown is None:
        await stale(update)
        return
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit(update, *shown)
