"""PostgreSQL for the benchmarks: databases made, copied and dropped on a server the bench is
given (``--url postgresql+asyncpg://user@host:port/db``; the database named there is only used
to connect), and a throwaway cluster of a campaign's own that it may restart.

A seeded database is expensive (a million members take minutes), so it is kept as a template
and each run gets a copy (``CREATE DATABASE ... TEMPLATE``: a file copy on the server).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bench.common import free_port
from bot.storage.db import asyncpg_dsn

PG_BIN = Path(os.environ.get("FOYER_PG_BIN", "/usr/lib/postgresql/15/bin"))


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def url_of(server_url: str, database: str) -> str:
    """The URL of another database on the same server."""
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def admin(server_url: str, *statements: str) -> None:
    """Statements outside any transaction (CREATE/DROP DATABASE), on the URL's database."""
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def exists(server_url: str, database: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
    finally:
        await conn.close()
    return bool(found)


async def create(server_url: str, database: str, template: str = "template0") -> str:
    """A new database (a copy of ``template``), replacing one of that name; its URL."""
    await admin(
        server_url,
        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
        f'CREATE DATABASE "{database}" TEMPLATE "{template}"',
    )
    return url_of(server_url, database)


async def drop(server_url: str, database: str) -> None:
    await admin(server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _as_postgres(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    """initdb and pg_ctl refuse to run as root: as root, run them as the postgres user."""
    if os.geteuid() == 0:
        args = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
    return subprocess.run(args, capture_output=True, text=True, check=True, **kw)  # type: ignore[call-overload]


class Cluster:
    """A throwaway PostgreSQL 15 cluster in a temporary folder, on a free port, its socket in
    that folder (not /var/run/postgresql): what `.ci/run` starts, but one a campaign may
    restart or crash without touching anybody else's server."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"no PostgreSQL server binaries in {PG_BIN} (FOYER_PG_BIN)")
        self.dir = Path(tempfile.mkdtemp(prefix="foyer-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        initdb = [str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
        _as_postgres([*initdb, "-D", str(self.data)])
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
        ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log")]
        _as_postgres([*ctl, "-w", "-t", "60", *args, "-o", options])

    def start(self) -> None:
        self._ctl("start")

    def restart(self, mode: str = "fast") -> float:
        """pg_ctl restart -m fast|immediate; the seconds until it accepts connections again."""
        started = time.monotonic()
        self._ctl("restart", "-m", mode)
        return time.monotonic() - started

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        yield c
    finally:
        c.stop()
