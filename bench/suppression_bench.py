"""Complementary suppression of one indicator's tables at programme scale: its time.

    python -m bench.suppression_bench [--groups 1000] [--periods 12] [--min-count 3]

Groups of 4 to 60 men start in a random month (cells before it are not applicable), monthly
counts around 60% of the group; 10 regions, 2 curricula, a language table of 4 rows. Prints
one JSON line: seconds, cells, primary and complementary counts hidden.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from bot.domain.suppression import Grid, Tables, protect


def tables(groups: int, periods: int, seed: int = 1) -> Tables:
    rng = random.Random(seed)
    rows = tuple(f"g{i}" for i in range(groups))
    months = tuple(f"2026-{m:02d}" for m in range(1, periods + 1))
    counts: dict[tuple[str, str], int] = {}
    for g in rows:
        start, size = rng.randrange(periods), rng.randint(4, 60)
        for i, p in enumerate(months):
            if i >= start:
                counts[g, p] = max(0, int(rng.gauss(size * 0.6, size * 0.3)))
    languages = ("fr", "en", "es", "bm")
    split: dict[tuple[str, str], int] = {}
    for p in months:
        left = sum(counts.get((g, p), 0) for g in rows)
        for lang in languages[:-1]:
            split[lang, p] = rng.randint(0, left // 3)
            left -= split[lang, p]
        split[languages[-1], p] = left
    return Tables(
        Grid(rows, months, counts),
        {
            "region": {g: f"r{rng.randrange(10)}" for g in rows},
            "curriculum": {g: rng.choice(["men-groups-12", "couples-8"]) for g in rows},
        },
        {"language": Grid(languages, months, split)},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--min-count", type=int, default=3)
    args = parser.parse_args()
    t = tables(args.groups, args.periods)
    started = time.perf_counter()
    result = protect(t, args.min_count)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "groups": args.groups, "periods": args.periods, "seconds": round(seconds, 2),
        "cells": len(result.cells), "primary": len(result.primary),
        "complementary": len(result.complementary),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
