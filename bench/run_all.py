"""Run every benchmark and print one table: `python -m bench.run_all` (about 20 minutes).

    python -m bench.run_all [--runs 3] [--members 50000] [--limited 3000] [--quick]

Each figure is the median of --runs runs. Foyer and its bare python-telegram-bot baseline run
alternately in the same run against the same emulator process (python -m bot.emulator), each in
a fresh child process. --quick runs a small version (minutes, not for the record).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import emulator, median, run_child
from bench.seed import seed

Row = tuple[str, str, str, str]


def machine() -> str:
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return (
        f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def fresh(template: Path, workdir: Path, name: str) -> Path:
    db = workdir / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, db)
    return db


def seeded(workdir: Path, name: str, groups: int, members: int, **kw: Any) -> Path:
    import asyncio

    path = workdir / name
    if not path.exists():
        asyncio.run(seed(f"sqlite+aiosqlite:///{path}", groups, members, **kw))
    return path


def alternate(
    runs: int, a: Callable[[], dict[str, Any]], b: Callable[[], dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    first, second = [], []
    for _ in range(runs):
        first.append(a())
        second.append(b())
    return first, second


def ok(passed: bool) -> str:
    return "met" if passed else "MISSED"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--members", type=int, default=50_000, help="fan-out size (50 per group)")
    p.add_argument("--limited", type=int, default=3_000, help="fan-out size with the limiter on")
    p.add_argument("--presses", type=int, default=1_000)
    p.add_argument("--quick", action="store_true", help="small sizes, one run")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    args = p.parse_args()
    if args.quick:
        args.runs, args.members, args.limited, args.presses = 1, 2_000, 300, 200
    rows: list[Row] = []
    raw: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="foyer-bench-") as tmp:
        work = Path(tmp)

        # 1. Inbound: check-in presses per second against a bare echo bot.
        template = seeded(
            work, "inbound.db", max(1, args.presses // 50), 50, sent_checkins=args.presses
        )
        foyer_in: list[dict[str, Any]] = []
        echo_in: list[dict[str, Any]] = []
        echo_aio: list[dict[str, Any]] = []  # the echo bot over Foyer's HTTP client
        for _ in range(args.runs):
            with emulator() as emu:
                db = fresh(template, work, "in.db")
                foyer_in.append(
                    run_child(
                        "bench.inbound",
                        [
                            "foyer",
                            "--api",
                            emu.api_url,
                            "--db",
                            str(db),
                            "--presses",
                            str(args.presses),
                        ],
                    )
                )
            for transport, runs in (("httpx", echo_in), ("aiohttp", echo_aio)):
                with emulator() as emu:
                    runs.append(
                        run_child(
                            "bench.inbound",
                            [
                                *("echo", "--api", emu.api_url, "--presses", str(args.presses)),
                                *("--transport", transport),
                            ],
                        )
                    )
        f_rate = median([r["per_second"] for r in foyer_in])
        e_rate = median([r["per_second"] for r in echo_in])
        a_rate = median([r["per_second"] for r in echo_aio])
        raw["inbound"] = {"foyer": foyer_in, "echo": echo_in, "echo_aiohttp": echo_aio}
        rows.append(
            (
                "1. inbound presses/s (Foyer / echo bot)",
                f"{f_rate:.0f} / {e_rate:.0f} = {f_rate / e_rate:.2f}",
                ">= 0.80",
                ok(f_rate / e_rate >= 0.8),
            )
        )
        rows.append(
            (
                "   context: echo bot over Foyer's HTTP client (aiohttp)",
                f"{f_rate:.0f} / {a_rate:.0f} = {f_rate / a_rate:.2f}",
                "-",
                "",
            )
        )

        # 2 and 4. Fan-out to every member, rate limiter off; peak memory of that process.
        groups = max(1, args.members // 50)
        template = seeded(work, "fanout.db", groups, 50)
        foyer_out: list[dict[str, Any]] = []
        bare_out: list[dict[str, Any]] = []
        bare_aio: list[dict[str, Any]] = []  # the bare loop over Foyer's HTTP client
        with emulator() as emu:
            for _ in range(args.runs):
                db = fresh(template, work, "out.db")
                foyer_out.append(
                    run_child(
                        "bench.fanout",
                        [
                            "foyer",
                            "--api",
                            emu.api_url,
                            "--db",
                            str(db),
                            "--members",
                            str(groups * 50),
                        ],
                    )
                )
                for transport, runs in (("httpx", bare_out), ("aiohttp", bare_aio)):
                    runs.append(
                        run_child(
                            "bench.fanout",
                            [
                                *("bare", "--api", emu.api_url, "--members", str(groups * 50)),
                                *("--transport", transport),
                            ],
                        )
                    )
        f_rate = median([r["per_second"] for r in foyer_out])
        b_rate = median([r["per_second"] for r in bare_out])
        a_rate = median([r["per_second"] for r in bare_aio])
        raw["fanout"] = {"foyer": foyer_out, "bare": bare_out, "bare_aiohttp": bare_aio}
        rows.append(
            (
                f"2. fan-out msg/s, {groups * 50} members (Foyer / bare loop)",
                f"{f_rate:.0f} / {b_rate:.0f} = {f_rate / b_rate:.2f}",
                ">= 0.80",
                ok(f_rate / b_rate >= 0.8),
            )
        )
        rows.append(
            (
                "   context: bare loop over Foyer's HTTP client (aiohttp)",
                f"{f_rate:.0f} / {a_rate:.0f} = {f_rate / a_rate:.2f}",
                "-",
                "",
            )
        )
        rows.append(("2. fan-out msg/s, Foyer alone", f"{f_rate:.0f}", ">= 300", ok(f_rate >= 300)))
        # One process: SQLite's connection runs on aiosqlite's thread inside it.
        rss = max(r["peak_rss_mb"] for r in foyer_out)
        rows.append(
            (
                f"4. peak RSS during the {groups * 50} fan-out",
                f"{rss:.0f} MB",
                "<= 150 MB",
                ok(rss <= 150),
            )
        )

        # 2. Fan-out with the rate limiter on: N / 30 seconds, within 3 %.
        lgroups = max(1, args.limited // 50)
        template = seeded(work, "limited.db", lgroups, 50)
        limited = []
        with emulator() as emu:
            for _ in range(1):  # about N / 30 seconds each
                db = fresh(template, work, "lim.db")
                limited.append(
                    run_child(
                        "bench.fanout",
                        [
                            "foyer",
                            "--api",
                            emu.api_url,
                            "--db",
                            str(db),
                            "--members",
                            str(lgroups * 50),
                            "--rate-limit",
                        ],
                    )
                )
        seconds = median([r["seconds"] for r in limited])
        ideal = lgroups * 50 / 30
        raw["limited"] = limited
        rows.append(
            (
                f"2. limiter on, {lgroups * 50} members: time vs N/30 s",
                f"{seconds:.1f} s vs {ideal:.1f} s ({(seconds / ideal - 1) * 100:+.1f} %)",
                "within 3 %",
                ok(abs(seconds / ideal - 1) <= 0.03),
            )
        )

        # 3. Planner.
        planner = run_child(
            "bench.planner_bench",
            [
                "--runs",
                str(max(3, args.runs)),
                "--members",
                str(max(2_000, 2 * args.members)),
                "--workdir",
                str(work),
            ],
        )
        raw["planner"] = planner
        idle_ms = max(r["ms"] for r in planner["idle"])
        rows.append(
            (
                # The goal is for 100,000 members; the slowest of the sizes is what is judged.
                f"3. idle planner tick, slowest up to {planner['idle'][-1]['members']} members",
                f"{idle_ms:.1f} ms",
                "<= 50 ms",
                ok(idle_ms <= 50),
            )
        )
        for r in planner["idle"]:
            rows.append((f"3. idle tick, {r['members']} members", f"{r['ms']:.1f} ms", "", ""))
        for r in planner["due"]:
            rows.append(
                (f"3. tick writing {r['due_items']} due items", f"{r['ms']:.0f} ms", "", "")
            )

        # 5. Start-up.
        startup = run_child("bench.startup", [])
        raw["startup"] = startup
        rows.append(
            (
                "5. foyer --help",
                f"{startup['seconds'] * 1000:.0f} ms",
                "<= 300 ms",
                ok(startup["seconds"] <= 0.3),
            )
        )

    print(f"machine: {raw['machine']}; median of {args.runs} run(s)")
    table = [("benchmark", "result", "goal", ""), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for row in [("benchmark", "result", "goal", ""), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
