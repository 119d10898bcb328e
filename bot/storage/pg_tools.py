"""PostgreSQL's own client tools (pg_dump, pg_restore), run for a database URL.

Everything that says where to connect goes through libpq's environment (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE), never the command line: a password on a command
line is visible to every user of the machine (ps, the Windows task manager) and in logs.
Whatever a tool says is passed on with the password taken out.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url


class ToolFailed(Exception):
    """A tool is missing or failed; the message is one line for the operator, no password."""


def missing(tool: str, server_major: int | None) -> ToolFailed:
    """One line saying how to get a tool that is not on PATH."""
    version = f" {server_major}" if server_major else ""
    package = f"postgresql-client-{server_major}" if server_major else "postgresql-client"
    return ToolFailed(
        f"{tool} was not found on PATH: install PostgreSQL's client tools of the server's major "
        f"version{version} (Debian/Ubuntu: apt install {package}; Windows: the PostgreSQL "
        "installer's command line tools) and put their folder on PATH"
    )


def environment(url: str) -> dict[str, str]:
    """This process's environment with the URL's connection settings in libpq's variables."""
    u = make_url(url)
    env = dict(os.environ)
    given = {
        "PGHOST": u.host,
        "PGPORT": str(u.port) if u.port else None,
        "PGUSER": u.username,
        "PGPASSWORD": u.password,
        "PGDATABASE": u.database,
        # asyncpg's URL says ssl=require where libpq says sslmode=require.
        "PGSSLMODE": u.query.get("sslmode") or u.query.get("ssl"),
    }
    env.update({k: str(v) for k, v in given.items() if v})
    env.setdefault("PGCONNECT_TIMEOUT", "15")
    return env


def run(tool: str, args: Sequence[str], url: str) -> str:
    """Run the tool against the URL's database and return what it printed; a failure raises
    ToolFailed with its first error line. It never asks for a password (--no-password)."""
    try:
        done = subprocess.run(
            [tool, "--no-password", *args], env=environment(url), capture_output=True, check=False
        )
    except OSError as exc:
        raise ToolFailed(f"{Path(tool).name} could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace")
        raise ToolFailed(f"{Path(tool).name} failed: {first_error(said, url)}")
    return done.stdout.decode("utf-8", "replace")


def first_error(said: str, url: str) -> str:
    """The line that says what went wrong (pg_restore prints the failing statement after it),
    without the URL's password."""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    chosen = next((line for line in lines if "error" in line.lower()), None)
    line = chosen or (lines[0] if lines else "no message")
    password = make_url(url).password
    return line.replace(str(password), "***") if password else line
