"""A `foyer run` in its own process, its log read line by line as it comes (the tests that
start Foyer as a trainer or a service would: test_single_process, test_webhook_run)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


class FoyerRun:
    """A `foyer run` whose log lines are read as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._new = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace"))
            self._new.set()
        self._new.set()

    def said(self, event: str) -> int:
        return sum(1 for line in self.lines if event in line)

    async def wait_for(self, event: str, times: int = 1, timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while self.said(event) < times:
                if self._reader.done():
                    raise AssertionError(f"ended before {event}:\n{self.log}")
                self._new.clear()
                await self._new.wait()

    async def end(self) -> int:
        if self.proc.returncode is None:
            self.proc.terminate()
        code = await asyncio.wait_for(self.proc.wait(), 60)
        await self._reader
        return code

    @property
    def log(self) -> str:
        return "".join(self.lines)[-3000:]


async def start_run(env: dict[str, str], cwd: Path) -> FoyerRun:
    """`python -m bot run` with exactly ``env`` (nothing inherited), in ``cwd``."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return FoyerRun(proc)
