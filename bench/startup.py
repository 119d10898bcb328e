"""Start-up: wall time of `foyer --help` in a fresh interpreter, median of several runs.

python -m bench.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, emit, median


def foyer_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m bot`."""
    script = Path(sys.executable).with_name("foyer")
    if script.exists():
        return [str(script)]
    found = shutil.which("foyer")
    return [found] if found else [sys.executable, "-m", "bot"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    command = [*foyer_command(), "--help"]
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    emit({"seconds": median(times), "runs": times})


if __name__ == "__main__":
    main()
