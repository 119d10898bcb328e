"""A curriculum file against its schema (the same models the bot loads), with missing weeks
named one by one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.content.problems import Problem
from bot.domain.curriculum import Curriculum

_REQUIRED = re.compile(r"^week (?P<week>\d+): (?P<field>\S+) (?P<rest>.+)$")


def load(path: Path) -> tuple[Curriculum | None, list[Problem]]:
    """The curriculum, or None with every schema problem named by week and field."""
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(where, "-", "-", f"cannot read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(where, "-", "-", f"not valid TOML: {exc}")]
    try:
        return Curriculum.model_validate(raw), []
    except ValidationError as exc:
        return None, _schema_problems(where, raw, exc)


def _schema_problems(where: str, raw: dict[str, Any], err: ValidationError) -> list[Problem]:
    weeks = raw.get("week") if isinstance(raw.get("week"), list) else []
    assert isinstance(weeks, list)
    out: list[Problem] = []
    for e in err.errors():
        loc = list(e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        if not loc:
            if msg.startswith("weeks must be numbered"):
                out += _numbering_problems(where, raw, weeks)
                continue
            found = _REQUIRED.match(msg)
            if found:
                out.append(Problem(where, found["week"], found["field"], found["rest"]))
                continue
        week = "-"
        if len(loc) >= 2 and loc[0] == "week" and isinstance(loc[1], int):
            idx = loc[1]
            entry = weeks[idx] if idx < len(weeks) else None
            number = entry.get("number") if isinstance(entry, dict) else None
            week = str(number if isinstance(number, int) else idx + 1)
            loc = loc[2:]
        fld = ".".join(str(p) for p in loc) or "-"
        out.append(Problem(where, week, fld, msg))
    return out


def _numbering_problems(where: str, raw: dict[str, Any], weeks: list[Any]) -> list[Problem]:
    total = raw.get("weeks")
    numbers = [w.get("number") for w in weeks if isinstance(w, dict)]
    out: list[Problem] = []
    rule = f"weeks must be numbered 1 to {total}"
    for n in range(1, int(total) + 1 if isinstance(total, int) else 1):
        if n not in numbers:
            out.append(Problem(where, str(n), "-", f"week {n} is missing: {rule}"))
    for n in sorted({x for x in numbers if isinstance(x, int)}):
        if numbers.count(n) > 1:
            out.append(Problem(where, str(n), "number", f"week {n} appears more than once"))
        if isinstance(total, int) and n > total:
            out.append(Problem(where, str(n), "number", f"week {n} is beyond {rule}"))
    return out
