"""The report as a bar chart (PNG). Matplotlib is slow to import and to draw, so it is imported
here, inside the function, and the function runs in a worker thread (asyncio.to_thread)."""

from __future__ import annotations

import io

from bot.reports.aggregates import WeekTotals


def render_png(
    weeks: list[WeekTotals], min_count: int, title: str, labels: dict[str, str]
) -> bytes:
    """Bars per week; a count under the threshold is drawn at zero and labelled "<N"."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # Figure, not pyplot: no global state across threads
    from matplotlib.ticker import MaxNLocator

    series = [
        ("reached", [w.reached for w in weeks]),
        ("done", [w.done for w in weeks]),
        ("partly", [w.partly for w in weeks]),
        ("notyet", [w.notyet for w in weeks]),
        ("attendance", [w.attendance or 0 for w in weeks]),
    ]
    fig = Figure(figsize=(8, 4.5), dpi=100)
    ax = fig.subplots()
    width = 0.8 / len(series)
    xs = list(range(len(weeks)))
    for i, (key, values) in enumerate(series):
        heights = [v if v >= min_count else 0 for v in values]
        pos = [x + (i - (len(series) - 1) / 2) * width for x in xs]
        bars = ax.bar(pos, heights, width, label=labels[key])
        texts = [str(v) if v >= min_count else f"<{min_count}" for v in values]
        ax.bar_label(bars, labels=texts, fontsize=7, padding=1)
    ax.set_xticks(xs, [labels["week"].format(number=w.week) for w in weeks])
    ax.set_title(title)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, ncols=3, loc="upper left")
    ax.margins(y=0.2)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
