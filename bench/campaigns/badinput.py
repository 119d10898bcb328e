"""Bad files and settings: one clear line, exit code 2, nothing partially written.

    python -m bench.campaigns.badinput

Runs the real `foyer` command line (in this process, in a scratch folder with no .env) with
every bad setting, broken curriculum files and broken CSV imports. Each must end with exit
code 2 and exactly one line on stderr starting with "foyer: ", no traceback, and the database
must hold the same groups as before (and no database file may appear when the settings are bad).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import sys
import tempfile
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.cli import main as foyer
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CURRICULA = ROOT / "conversations"

# One clearly bad value per setting; fields not listed get a generic one by their type below.
BAD_SETTINGS: list[tuple[str, str]] = [
    ("FOYER_BOT_TOKEN", "not-a-token"),
    ("FOYER_BOT_TOKEN", "123:"),
    ("FOYER_DATABASE_URL", "foyer.db"),
    ("FOYER_BOT_API_URL", "ftp://api.telegram.org"),
    ("FOYER_ADMIN_IDS", "12,abc"),
    ("FOYER_TICK_SECONDS", "0"),
    ("FOYER_TICK_SECONDS", "soon"),
    ("FOYER_DEFAULT_LANGUAGE", "de"),
    ("FOYER_GRACE_HOURS", "-1"),
    ("FOYER_CONTENT_DIR", "/nonexistent/foyer-content"),
    ("FOYER_LANGUAGE_FALLBACKS", "bm>fr"),
    ("FOYER_LANGUAGE_FALLBACKS", "bm:xx"),
    ("FOYER_SEND_CONCURRENCY", "0"),
    ("FOYER_SEND_CONCURRENCY", "1000"),
    ("FOYER_RATE_LIMIT", "maybe"),
    ("FOYER_CHECKIN_AFTER_DAYS", "9"),
]


def generic_bad_settings() -> list[tuple[str, str]]:
    """A wrong-typed value for every number, flag and id list the Settings class declares."""
    named = {name for name, _ in BAD_SETTINGS}
    out = []
    for name, info in Settings.model_fields.items():
        env = f"FOYER_{name.upper()}"
        if env in named:
            continue
        text = str(info.annotation)
        if info.annotation in (int, float) or ("int]" in text and "frozenset" not in text):
            out.append((env, "twelve"))
        elif info.annotation is bool:
            out.append((env, "perhaps"))
        elif "frozenset[int]" in text:
            out.append((env, "1,two"))
        for meta in info.metadata:  # out of range: above the largest allowed value
            bound = getattr(meta, "le", None) or getattr(meta, "lt", None)
            if bound is not None:
                out.append((env, str(int(bound) * 10 + 1)))
    return out


def next_thursday() -> str:
    today = date.today()
    return (today + timedelta(days=(3 - today.weekday()) % 7 + 7)).isoformat()


GOOD_ROW = f"Kati Men,men-groups-12,Africa/Bamako,thu 17:00,fri 09:00,{next_thursday()},fr"
HEADER = "name,curriculum,timezone,meets,delivers,starts,language"
BAD_CSVS: dict[str, bytes] = {
    "empty": b"",
    "header only": (HEADER + "\n").encode(),
    "missing column": b"name,curriculum\nKati,men-groups-12\n",
    "unknown column": (HEADER + ",colour\n" + GOOD_ROW + ",blue\n").encode(),
    "bad timezone on line 3": (
        f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('Africa/Bamako', 'Mars/Olympus')}\n"
    ).encode(),
    "bad date": f"{HEADER}\n{GOOD_ROW.replace(next_thursday(), '2026-13-45')}\n".encode(),
    "past date": f"{HEADER}\n{GOOD_ROW.replace(next_thursday(), '2001-01-04')}\n".encode(),
    "unknown curriculum": f"{HEADER}\n{GOOD_ROW.replace('men-groups-12', 'nope')}\n".encode(),
    "bad weekday": f"{HEADER}\n{GOOD_ROW.replace('thu 17:00', 'someday 25:99')}\n".encode(),
    "bad language": f"{HEADER}\n{GOOD_ROW[:-2]}xx\n".encode(),
    "not UTF-8": (HEADER + "\n").encode() + "Kâti Men,men-groups-12".encode("latin-1") + b"\xff\n",
    "binary": bytes(range(256)) * 4,
    "empty name": f"{HEADER}\n{GOOD_ROW.replace('Kati Men', '')}\n".encode(),
    "name too long": f"{HEADER}\n{GOOD_ROW.replace('Kati Men', 'x' * 500)}\n".encode(),
    "unterminated quote": f'{HEADER}\n{GOOD_ROW}\n"{GOOD_ROW}\n{GOOD_ROW}\n'.encode(),
    "a comma not in quotes": f"{HEADER}\n{GOOD_ROW.replace('Kati Men', 'Kati, Mali')}\n".encode(),
    "unknown country": f"{HEADER},country\n{GOOD_ROW},XX\n".encode(),
    "a country's name": f"{HEADER},country\n{GOOD_ROW},Mali\n".encode(),
    # French Excel: semicolons, Windows-1252; read as such, so the bad row is what is said.
    "semicolons, Windows-1252, bad date": (
        f"{HEADER}\n{GOOD_ROW.replace('Kati Men', 'Kâti').replace(next_thursday(), '31/12')}\n"
    )
    .replace(",", ";")
    .encode("cp1252"),
    "UTF-16 without a header": "Kati Men;men-groups-12\n".encode("utf-16"),
}
BAD_CONTENT: dict[str, str] = {
    "TOML syntax error": 'id = "x"\n[[week\nnumber = 1\n',
    "missing fields": 'id = "men-groups-12"\n',
    "wrong types": 'id = 12\ntitle = ["no"]\n[[week]]\nnumber = "one"\n',
    "empty file": "",
    "binary": "\x00\x01\x02 not toml",
}


@dataclass
class Case:
    name: str
    code: int
    stderr: str
    changed: bool

    @property
    def ok(self) -> bool:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return (
            self.code == 2
            and len(lines) == 1
            and lines[0].startswith("foyer: ")
            and "Traceback" not in self.stderr
            and not self.changed
        )


@dataclass
class BadInputResult:
    cases: list[Case] = field(default_factory=list)

    @property
    def failures(self) -> list[Case]:
        return [c for c in self.cases if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failures


@contextlib.contextmanager
def environment(folder: Path, values: dict[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("FOYER_")}
    cwd = Path.cwd()
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        for key in [k for k in os.environ if k.startswith("FOYER_")]:
            del os.environ[key]
        os.environ.update(saved)


def cli(folder: Path, env: dict[str, str], *argv: str) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with environment(folder, env), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = foyer(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        except Exception as exc:  # an unhandled error is a failed case, not a crash
            err.write(f"Traceback: {type(exc).__name__}\n")
            code = 1
    return code, err.getvalue()


def snapshot(db: Path) -> tuple[object, ...]:
    if not db.exists():
        return ("absent",)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return tuple(
            (t, conn.execute(f'select count(*) from "{t}"').fetchone()[0]) for t in sorted(tables)
        )


def run(*, csv_cases: typing.Iterable[str] | None = None) -> BadInputResult:
    result = BadInputResult()
    with tempfile.TemporaryDirectory(prefix="foyer-bad-") as tmp:
        work = Path(tmp)
        db = work / "foyer.db"
        base = {"FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
        code, err = cli(work, base, "db", "upgrade")
        if code != 0:
            raise RuntimeError(f"cannot create the scratch database: {err}")

        # Every bad setting: the command stops before touching anything.
        for name, value in BAD_SETTINGS + generic_bad_settings():
            fresh = work / "fresh.db"
            env = {"FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{fresh}", name: value}
            files_before = sorted(p.name for p in work.iterdir())
            code, err = cli(work, env, "db", "upgrade")
            after = sorted(p.name for p in work.iterdir())
            result.cases.append(Case(f"setting {name}={value!r}", code, err, files_before != after))
            for path in work.glob("fresh.db*"):
                path.unlink()

        # Broken curriculum files: no group is created.
        for label, text in BAD_CONTENT.items():
            content = work / "content"
            shutil.rmtree(content, ignore_errors=True)
            shutil.copytree(CURRICULA, content, ignore=shutil.ignore_patterns("*.sandbox"))
            (content / "men-groups-12.toml").write_text(text, encoding="utf-8")
            before = snapshot(db)
            code, err = cli(
                work,
                {**base, "FOYER_CONTENT_DIR": str(content)},
                "group", "create", "--name", "Kati", "--curriculum", "men-groups-12",
                "--timezone", "Africa/Bamako", "--meets", "thu 17:00",
                "--starts", next_thursday(),
            )  # fmt: skip
            result.cases.append(Case(f"content: {label}", code, err, snapshot(db) != before))

        # Broken CSV imports: nothing is created, not even the good rows before the bad one.
        for label, data in BAD_CSVS.items():
            if csv_cases is not None and label not in csv_cases:
                continue
            path = work / "groups.csv"
            path.write_bytes(data)
            before = snapshot(db)
            code, err = cli(work, base, "group", "import", str(path))
            result.cases.append(Case(f"csv: {label}", code, err, snapshot(db) != before))
        for label, target in (("missing file", work / "nope.csv"), ("a folder", work)):
            before = snapshot(db)
            code, err = cli(work, base, "group", "import", str(target))
            result.cases.append(Case(f"csv: {label}", code, err, snapshot(db) != before))
    return result


def main() -> None:
    result = run()
    for case in result.cases:
        first = case.stderr.strip().splitlines()[0] if case.stderr.strip() else "(nothing)"
        print(f"{'ok  ' if case.ok else 'FAIL'} {case.name}: exit {case.code}: {first[:110]}")
    print(
        f"bad files and settings: {len(result.cases)} cases, {len(result.failures)} failures: "
        f"{'PASS' if result.ok else 'FAIL'}"
    )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
