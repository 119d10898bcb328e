"""foyer db backup FILE, foyer db restore FILE, and forget-again after a restore (the work:
bot/storage/backup.py and restore.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands.common import (
    DATABASE_ERRORS,
    database_problem,
    database_where,
    foyer_version,
    require_current_db,
    require_database_file,
    serving_database,
    settings,
    with_runtime,
)
from bot.commands.errors import CliError
from bot.runtime import Runtime
from bot.services import privacy
from bot.storage import migrate, people, pg_tools
from bot.storage import restore as restoring
from bot.storage.backup import HOW, BackupRefused, take

REFUSALS = (BackupRefused, pg_tools.ToolFailed)


def backup(args: argparse.Namespace) -> int:
    """A consistent copy beside a running Foyer: no serving lock is taken."""
    s = settings()
    require_database_file(s)
    try:
        made = take(s.database_url, Path(args.file))
    except REFUSALS as exc:
        raise CliError(str(exc)) from None
    except DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None
    print(
        f"wrote {made.path} ({size(made.size)}, revision {made.revision}, {HOW[made.backend]}) "
        f"from {database_where(s)}"
    )
    return 0


def restore(args: argparse.Namespace) -> int:
    """The backup into the configured, empty database, held as `foyer run` holds it."""
    s = settings()
    where = database_where(s)
    try:
        found = restoring.read_backup(Path(args.file), s.database_url)
        if not migrate.is_known(found.revision):
            raise CliError(
                f"{found.path} is a backup from a newer Foyer (revision {found.revision}, "
                f"unknown to foyer {foyer_version()}): restore it with that version or a newer one"
            )
        with serving_database(s.database_url):  # nothing serves a half-restored database
            restoring.require_empty(s.database_url, where)
            restoring.restore(found, s.database_url)
            revision = migrate.current_revision(s.database_url)
    except REFUSALS as exc:
        raise CliError(str(exc)) from None
    except DATABASE_ERRORS as exc:
        raise database_problem(s, exc) from None
    print(f"restored {found.path} into {where} ({HOW[found.backend]}, revision {revision})")
    if revision == migrate.head_revision():
        print("its migrations are current: Foyer can serve it")
    else:
        print("it comes from an older Foyer: run 'foyer db upgrade' before 'foyer run'")
    print(
        "anyone who used /forget after this backup was taken is in it again: see "
        "docs/backups.md, 'After a restore'"
    )
    return 0


def forget_again(args: argparse.Namespace) -> int:
    """`foyer db forget-again NUMBER...`: after a restore, erase again the people whose
    `/forget` came after the backup (their numbers are in the log: privacy.forgotten person=N).
    Held as `foyer run` holds the database, so it runs before Foyer serves again."""
    s = settings()
    with serving_database(s.database_url):
        require_current_db(s)
        done = with_runtime(s, lambda rt: _forget(rt, args.person))
    for number, erased in done:
        if erased:
            print(f"erased person {number}")
        else:
            print(f"no person {number} in this database (already erased, or joined after it)")
    return 0


async def _forget(rt: Runtime, numbers: list[int]) -> list[tuple[int, bool]]:
    done = []
    for number in numbers:
        async with rt.engine.connect() as conn:
            found = await people.get(conn, number)
        if found is not None:  # no bot: messages in chats are beyond Telegram's 48 hours anyway
            await privacy.forget(rt, None, found)
        done.append((number, found is not None))
    return done


def size(n: int) -> str:
    """A file's size as people read it (1000-based, as file managers mostly show it)."""
    if n < 1000:
        return f"{n} bytes"
    value, unit = n / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"
