"""What the benchmarks and campaigns share: a standalone emulator process, settings, timing.

Every measurement runs Foyer (or the bare python-telegram-bot baseline) in its own child process
against an emulator in another process, so the two use separate cores, the peak resident memory
of the child is Foyer's alone, and one run cannot warm caches for the next.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.settings import Settings

PY = sys.executable
ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH"


class LogCounter(logging.Handler):
    """Counts the lines a campaign's bot logs while the handler is on the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines = 0
        self.tracebacks = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1
        self.tracebacks += record.exc_info is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmulatorProcess:
    """`python -m bot.emulator` in a child process, driven through its HTTP control API."""

    def __init__(self, *, auto_chats: bool = True) -> None:
        self.port = free_port()
        args = [PY, "-m", "bot.emulator", "--port", str(self.port), "--token", TOKEN]
        args += ["--log-level", "WARNING"]
        if auto_chats:
            args.append("--auto-chats")
        self.proc = subprocess.Popen(args, cwd=ROOT)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the emulator did not start") from None
                time.sleep(0.05)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def control(self, action: str, timeout: float = 600, **kwargs: Any) -> Any:
        request = urllib.request.Request(
            f"{self.api_url}/_emulator/{action}",
            data=json.dumps(kwargs).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            payload = json.loads(answer.read())
        if not payload.get("ok"):
            raise RuntimeError(f"emulator {action}: {payload.get('description')}")
        return payload["result"]

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@contextlib.contextmanager
def emulator(*, auto_chats: bool = True) -> Iterator[EmulatorProcess]:
    emu = EmulatorProcess(auto_chats=auto_chats)
    try:
        yield emu
    finally:
        emu.close()


def database_url(db: Path | str) -> str:
    """A SQLite file's URL, or the URL given (a campaign on PostgreSQL)."""
    return str(db) if "://" in str(db) else f"sqlite+aiosqlite:///{db}"


def bench_settings(api_url: str, db_path: Path | str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bot_token=TOKEN,
        database_url=database_url(db_path),
        bot_api_url=api_url,
        tick_seconds=3600,  # the benchmark ticks the planner itself
        rate_limit=False,
        admin_ids=frozenset(),
        grace_hours=24 * 14,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


TRANSPORTS = ("httpx", "aiohttp")


def transport(name: str, in_flight: int) -> Any:
    """A bare baseline's HTTP client: None for python-telegram-bot's own default (httpx, the
    baseline of the goals), or Foyer's aiohttp client without a flood gate, to show how much
    of a ratio is the client and how much is Foyer's own work."""
    if name == "httpx":
        return None
    from bot.infra.http_client import AiohttpRequest

    return AiohttpRequest(in_flight)


def peak_rss_mb() -> float:
    """This process's peak resident set size since it started its program."""
    return process_peak_rss_mb(os.getpid())


def process_peak_rss_mb(pid: int) -> float:
    """A running process's peak resident set size (VmHWM), in MiB. Not getrusage: its
    ru_maxrss survives exec, so a child started by a big parent (bench.run_all, which seeds
    50,000 members in its own process) reports the parent's peak as its own."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def run_child(module: str, args: Sequence[str], timeout: float = 1800) -> dict[str, Any]:
    """Run `python -m module args` and return the JSON object on its last stdout line."""
    done = subprocess.run(
        [PY, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def emit(result: dict[str, Any]) -> None:
    """A child's answer to its parent: one JSON line, last on stdout."""
    print(json.dumps(result), flush=True)
