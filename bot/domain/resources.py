"""Referral resources: where a person can find help, per country, as checked data files.

One TOML file per country in conversations/resources/ (ml.toml, ni.toml, in.toml) and a
generic.toml used when a group has no country or a category has no local entry. Every entry
says when someone last checked it and how to check it again, because a wrong phone number given
to a person in danger is worse than none.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.paths import conversations_dir

GENERIC = "generic"
# Past this age an entry still shows, but `check` reports it as due for a new check.
STALE_AFTER = timedelta(days=365)
_PHONE_CHARS = set("0123456789 +-()")


class ResourceError(Exception):
    """A resources file that does not follow the rules; the message names the file and field."""


class Category(StrEnum):
    EMERGENCY = "emergency"
    WOMEN = "women"
    HEALTH = "health"
    LEGAL = "legal"


class Localized(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    how: str | None = None


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    how: str | None = Field(default=None, max_length=400)  # how to reach them, in a sentence
    languages: list[str] = Field(min_length=1)  # languages the service answers in
    last_checked: date
    verify: str = Field(min_length=1)  # how, and with whom, to check this entry again
    # Translations of name/how keyed by Foyer language (en is the source text above).
    fr: Localized | None = None
    es: Localized | None = None
    bm: Localized | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or not set(v) <= _PHONE_CHARS):
            raise ValueError("a phone number has only digits, spaces, + - ( )")
        return v

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        if not all(2 <= len(code) <= 3 and code.isalpha() and code.islower() for code in v):
            raise ValueError("languages are lower-case codes such as fr, bm, es, hi")
        return v

    @model_validator(mode="after")
    def _reachable(self) -> Entry:
        if not self.phone and not self.how:
            raise ValueError("an entry needs a phone number or a 'how' sentence, or both")
        return self

    def text(self, field: str, chain: list[str]) -> str | None:
        """name or how in the first language of the fallback chain that has it."""
        for lang in chain:
            if lang == "en":
                break
            local: Localized | None = getattr(self, lang, None)
            value = getattr(local, field) if local is not None else None
            if value:
                return str(value)
        return getattr(self, field)


class CountryResources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(pattern=r"^([A-Z]{2}|generic)$")
    name: str
    entry: list[Entry] = Field(min_length=1)


def resources_dir(content_dir: Path | None = None) -> Path:
    """Resources live beside the curricula; a content folder without them uses the shipped."""
    if content_dir is not None and (content_dir / "resources").is_dir():
        return content_dir / "resources"
    return conversations_dir() / "resources"


def load_file(path: Path) -> CountryResources:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        res = CountryResources.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ResourceError(f"{path.name}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "-"
        raise ResourceError(f"{path.name}:{where}: {err['msg']}") from None
    expected = GENERIC if path.stem == GENERIC else path.stem.upper()
    if res.country != expected:
        raise ResourceError(f"{path.name}:country: must be {expected!r} to match the file name")
    return res


@cache
def load_all(root: Path) -> dict[str, CountryResources]:
    """Every resources file, keyed by ISO code (or 'generic'); raises on the first bad file."""
    found = {}
    for path in sorted(root.glob("*.toml")):
        res = load_file(path)
        found[res.country] = res
    if GENERIC not in found:
        raise ResourceError(f"{root}: generic.toml is missing (the fallback for every country)")
    return found


def check(root: Path, today: date) -> tuple[list[str], list[str]]:
    """(errors, warnings) for every file: what `foyer content check` reports."""
    errors: list[str] = []
    warnings: list[str] = []
    paths = sorted(root.glob("*.toml"))
    if not any(p.stem == GENERIC for p in paths):
        errors.append(f"{root}: generic.toml is missing")
    for path in paths:
        try:
            res = load_file(path)
        except ResourceError as exc:
            errors.append(str(exc))
            continue
        for i, e in enumerate(res.entry):
            where = f"{path.name}:entry.{i}"
            if e.last_checked > today:
                errors.append(f"{where}.last_checked: {e.last_checked} is in the future")
            elif today - e.last_checked > STALE_AFTER:
                warnings.append(f"{where}: last checked {e.last_checked}; check it again")
        if res.country != GENERIC and not any(e.category is Category.EMERGENCY for e in res.entry):
            errors.append(f"{path.name}: needs at least one emergency entry")
    return errors, warnings


def for_country(
    all_res: dict[str, CountryResources], country: str | None
) -> dict[Category, list[Entry]]:
    """Entries by category: the country's own, and generic guidance where it has none."""
    local = all_res.get((country or "").upper())
    generic = all_res[GENERIC]
    out: dict[Category, list[Entry]] = {}
    for cat in Category:
        mine = [e for e in (local.entry if local else []) if e.category is cat]
        out[cat] = mine or [e for e in generic.entry if e.category is cat]
    return out


def by_language(entries: list[Entry], lang: str) -> list[Entry]:
    """Services that answer in the person's language first (a stable sort keeps file order)."""
    return sorted(entries, key=lambda e: lang not in e.languages)
