"""foyer sandbox: Foyer offline, against the built-in Bot API emulator, in a terminal chat."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from bot.commands.common import serving_database
from bot.commands.errors import CliError
from bot.i18n import _
from bot.infra.log_setup import configure_logging
from bot.paths import conversations_dir
from bot.sandbox import marker, script
from bot.sandbox.problem import SandboxProblem
from bot.sandbox.session import Sandbox, open_sandbox
from bot.sandbox.terminal import Terminal
from bot.sandbox.world import Options, database_url
from bot.storage import migrate

EXIT_SCRIPT_ERROR = 2
_WATCH_SECONDS = 0.3


def run(args: argparse.Namespace) -> int:
    # Warnings only: the terminal is the chat, not a log.
    configure_logging(logging.WARNING, "%(levelname)s %(name)s %(message)s")
    lines: list[script.Line] | None = None
    script_path: Path | None = None
    if getattr(args, "script", None):
        script_path = _script_path(args.script)
        try:
            lines = script.load_script(script_path)
        except script.ScriptError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_SCRIPT_ERROR
    # A script that starts with ":lang fr" is played as with --lang fr: the group and its
    # facilitator speak French too, not only the people who appear later.
    leading = lines[0].action if lines else None
    lang = getattr(args, "lang", None) or (
        leading.code if isinstance(leading, script.Lang) else "en"
    )
    with contextlib.ExitStack() as stack:
        db = getattr(args, "db", None)
        if db:
            path = Path(db)
            files_dir = path.resolve().with_name(f"{path.stem}-files")
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="foyer-sandbox-"))
            path = Path(folder) / "sandbox.db"
            # Kept after the session (unlike the database), so a trainer can still open the
            # chart or the CSV; made when the first file arrives.
            suffix = Path(folder).name.removeprefix("foyer-sandbox-")
            files_dir = Path(tempfile.gettempdir()) / f"foyer-sandbox-files-{suffix}"
        # Only a database the sandbox made itself: checked before the lock or anything else
        # writes beside or into it.
        try:
            fresh = marker.open_or_create(path)
        except marker.NotASandboxDatabase as exc:
            raise CliError(str(exc)) from None
        url = database_url(path)
        # A sandbox on a database `foyer run` serves would plan and "send" its members'
        # messages to the simulated Telegram: one process serves a database.
        stack.enter_context(serving_database(url))
        migrate.upgrade(url)
        options = Options(
            database_url=url,
            lang=lang,
            curriculum=getattr(args, "curriculum", None),
            fresh=fresh,
            files_dir=files_dir,
        )
        term = Terminal()
        try:
            if lines is not None and script_path is not None:
                return asyncio.run(_play(options, term, lines, script_path))
            code = asyncio.run(_chat(options, term))
            if db:
                with term.speaking():
                    term.info(_("(the sandbox's database is kept in {path})").format(path=path))
            return code
        except KeyboardInterrupt:
            term.line()
            return 0


def _script_path(name: str) -> Path:
    """A file, or the name of a shipped script: 'demo' is conversations/demo.sandbox."""
    path = Path(name)
    if path.exists():
        return path
    shipped = conversations_dir() / f"{name}.sandbox"
    if "/" not in name and shipped.exists():
        return shipped
    raise CliError(f"{name}: no such script file")


async def _play(options: Options, term: Terminal, lines: list[script.Line], path: Path) -> int:
    try:
        async with open_sandbox(options, term) as sandbox:
            sandbox.banner(interactive=False)
            for line in lines:
                try:
                    if not await sandbox.perform(line.action):
                        break
                except SandboxProblem as exc:
                    print(f"{path}:{line.number}: {exc}", file=sys.stderr)
                    return EXIT_SCRIPT_ERROR
    except SandboxProblem as exc:
        raise CliError(str(exc)) from None
    return 0


class _LineReader:
    """stdin lines without blocking the event loop.

    A daemon thread reads one line each time the loop asks for one, so the prompt always
    names the person being played and an unanswered read never holds the process open.
    """

    def __init__(self, prompt: Callable[[], str]) -> None:
        self.tty = sys.stdin.isatty() and sys.stdout.isatty()
        self._prompt = prompt
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._wanted = threading.Event()
        threading.Thread(target=self._read, name="sandbox-stdin", daemon=True).start()

    def _read(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            line: str | None
            try:
                if self.tty:
                    line = input(self._prompt())
                else:
                    raw = sys.stdin.readline()
                    line = raw.rstrip("\r\n") if raw else None
            except (EOFError, OSError, ValueError):
                line = None
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            if line is None:
                return

    async def next(self) -> str | None:
        self._wanted.set()
        return await self._lines.get()

    def reprompt(self) -> None:
        if self.tty:
            print(self._prompt(), end="", flush=True)


async def _chat(options: Options, term: Terminal) -> int:
    try:
        async with open_sandbox(options, term) as sandbox:
            await _converse(sandbox, options, term)
    except SandboxProblem as exc:
        raise CliError(str(exc)) from None
    return 0


async def _converse(sandbox: Sandbox, options: Options, term: Terminal) -> None:
    sandbox.banner(interactive=True)
    reader = _LineReader(lambda: term.mark(sandbox.current) + " ")
    if options.fresh:
        # A newcomer sees Foyer answer at once: member 1 opens the invite link.
        await sandbox.send_text("/start {invite}")
    sandbox.echo = not reader.tty
    sandbox.interactive = True
    watcher = asyncio.create_task(_watch(sandbox, reader))
    try:
        while True:
            raw = await reader.next()
            if raw is None:
                if reader.tty:
                    term.line()  # Ctrl-D: end the prompt's line
                break
            try:
                action = script.parse_line(raw)
            except script.ScriptError as exc:
                term.problem(str(exc))
                continue
            if action is None:
                continue
            async with sandbox.lock:
                try:
                    if not await sandbox.perform(action):
                        break
                except SandboxProblem as exc:
                    term.problem(str(exc))
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _watch(sandbox: Sandbox, reader: _LineReader) -> None:
    """Messages Foyer sends on its own while you read or type (real time flows too)."""
    while True:
        await asyncio.sleep(_WATCH_SECONDS)
        if sandbox.lock.locked() or not sandbox.has_news():
            continue
        async with sandbox.lock:
            with contextlib.suppress(SandboxProblem):
                await sandbox.settle()
            sandbox.term.line()
            if sandbox.show(sandbox.local(sandbox.clock.now())):
                reader.reprompt()
