"""The programme report's charts, written as SVG by hand rather than through matplotlib: a bar
chart is a few dozen rectangles, and writing them directly keeps the text real text (in the
reader's language, found by a search, read by a screen reader and by the browser test), embeds
no font, draws the same bytes every time, prints crisply, and costs no second of importing
matplotlib. Readable in black and white: the series differ by outline, grey level and hatching,
and each bar carries its number when there is room. A hidden count gets no bar, a "–" instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from bot.reports.programme_text import HIDDEN

WIDTH, HEIGHT = 720, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 34, 40
# (fill, hatched): dark, light, hatched white, mid grey: told apart without colour.
LOOKS = (("#1f3b5c", False), ("#9db4d1", False), ("#ffffff", True), ("#6b6b6b", False))
MAX_AXIS_LABELS = 16


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | None, ...]  # one per period, None where hidden


def nice_top(largest: int) -> tuple[int, int]:
    """The axis' top and step: 1, 2 or 5 times a power of ten, four steps or fewer."""
    largest = max(largest, 1)
    for power in range(0, 12):
        for base in (1, 2, 5):
            step = base * 10**power
            if step * 4 >= largest:
                return step * math.ceil(largest / step), step
    return largest, largest  # pragma: no cover (counts of people stay far below 10^12)


def bar_chart(
    chart_id: str,
    label: str,
    axis: Sequence[tuple[str, str]],
    series: Sequence[Series],
    fmt: Callable[[int], str],
) -> str:
    """Grouped bars, one group per period; ``axis`` holds two lines under each period."""
    n = len(axis)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    shown = [v for s in series for v in s.values if v is not None]
    top, step = nice_top(max(shown, default=0))
    base = TOP + plot_h
    out = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2"/></pattern></defs>',
    ]
    for tick in range(0, top + 1, step):
        y = base - plot_h * tick / top
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}" text-anchor="end">{escape(fmt(tick))}</text>'
        )
    out.append(_legend(chart_id, series))
    slot = plot_w / max(n, 1)
    bar = slot * 0.8 / max(len(series), 1)
    labelled = bar >= 16  # room for a number over each bar
    for i in range(n):
        x0 = LEFT + slot * i + slot * 0.1
        for k, s in enumerate(series):
            x = x0 + bar * k
            value = s.values[i]
            if value is None:
                out.append(
                    f'<text x="{x + bar / 2:.1f}" y="{base - 3}" text-anchor="middle" '
                    f'class="hidden">{HIDDEN}</text>'
                )
                continue
            h = plot_h * value / top
            out.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'{_fill(chart_id, k)} stroke="#000" stroke-width="0.6">'
                f"<title>{escape(s.name)}: {escape(fmt(value))}</title></rect>"
            )
            if labelled:
                out.append(
                    f'<text x="{x + bar / 2:.1f}" y="{base - h - 3:.1f}" '
                    f'text-anchor="middle" class="value">{escape(fmt(value))}</text>'
                )
    out.extend(_axis(axis, slot, base))
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" class="axis"/>')
    out.append("</svg>")
    return "".join(out)


def _fill(chart_id: str, k: int) -> str:
    colour, hatched = LOOKS[k % len(LOOKS)]
    return f'fill="url(#{chart_id}-hatch)"' if hatched else f'fill="{colour}"'


def _legend(chart_id: str, series: Sequence[Series]) -> str:
    out, x = [], float(LEFT)
    for k, s in enumerate(series):
        out.append(
            f'<rect x="{x:.1f}" y="8" width="12" height="12" {_fill(chart_id, k)} '
            f'stroke="#000" stroke-width="0.6"/>'
            f'<text x="{x + 17:.1f}" y="18.5" class="legend">{escape(s.name)}</text>'
        )
        x += 17 + 6.6 * len(s.name) + 18  # about the width of 11px text
    return "".join(out)


def _axis(axis: Sequence[tuple[str, str]], slot: float, base: float) -> list[str]:
    """Every period's label, or every k-th one when there are many; the second line (the year)
    only where it changes."""
    every = math.ceil(len(axis) / MAX_AXIS_LABELS)
    out, last_year = [], ""
    for i, (first, second) in enumerate(axis):
        if i % every:
            continue
        x = LEFT + slot * (i + 0.5)
        out.append(f'<text x="{x:.1f}" y="{base + 14}" text-anchor="middle">{escape(first)}</text>')
        if second != last_year:
            out.append(
                f'<text x="{x:.1f}" y="{base + 27}" text-anchor="middle" class="year">'
                f"{escape(second)}</text>"
            )
            last_year = second
    return out
