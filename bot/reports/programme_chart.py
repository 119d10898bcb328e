"""The programme over the last months as a bar chart (PNG): members reached and check-ins
answered per month. Matplotlib is slow to import and to draw, so it is imported inside the
function, and the caller runs it in a worker thread (asyncio.to_thread)."""

from __future__ import annotations

import io
from collections.abc import Sequence


def render_png(
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    title: str,
    hidden: str,
) -> bytes:
    """Bars per month, one colour per series (label, counts); a hidden count (None) has no
    bar and is labelled ``hidden`` ("–"), never drawn as a guess."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # Figure, not pyplot: no global state across threads
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 4.5), dpi=100)
    ax = fig.subplots()
    width = 0.8 / max(len(series), 1)
    xs = list(range(len(months)))
    for i, (label, values) in enumerate(series):
        heights = [v or 0 for v in values]
        pos = [x + (i - (len(series) - 1) / 2) * width for x in xs]
        bars = ax.bar(pos, heights, width, label=label)
        texts = [hidden if v is None else str(v) for v in values]
        ax.bar_label(bars, labels=texts, fontsize=8, padding=1)
    ax.set_xticks(xs, list(months))
    ax.set_title(title)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="upper left")
    ax.margins(y=0.2)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
