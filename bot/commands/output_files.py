"""Files a command writes for people to open or import (a report, a CSV, a DHIS2 file): never
over an existing one unless asked (--force), and whole or not at all, so a half-written file
is never imported into DHIS2 or mailed to a donor."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from bot.commands.errors import CliError


def refuse_existing(paths: list[Path], force: bool) -> None:
    """Said before any work is done: every file that exists, and where each would go."""
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            problems.append(f"{path} is a folder: give a file name")
        elif path.exists() and not force:
            problems.append(f"{path} exists: choose another name, or add --force to replace it")
        elif not path.parent.is_dir():
            problems.append(f"{path}: the folder {path.parent} does not exist")
    if len({p.resolve() for p in paths}) < len(paths):
        problems.append("the same file is named twice: give each output its own name")
    if problems:
        raise CliError("\n".join(problems))


def write_all(outputs: Mapping[Path, bytes], force: bool) -> None:
    """Write each file under a temporary name beside it, then give them their names: a
    failure (a full disk) leaves no file written half and no temporary one behind."""
    refuse_existing(list(outputs), force)
    partials: dict[Path, Path] = {}
    try:
        for path, data in outputs.items():
            partials[path] = _partial(path, data)
        for path, partial in partials.items():
            if path.exists() and not force:  # appeared meanwhile
                raise CliError(f"{path} appeared meanwhile: nothing replaced it")
            os.replace(partial, path)
    except OSError as exc:
        raise CliError(f"could not write {exc.filename or 'the file'}: {exc.strerror}") from None
    finally:
        for partial in partials.values():
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()


def _partial(path: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
