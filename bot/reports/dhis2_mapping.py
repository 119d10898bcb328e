"""The DHIS2 mapping file the organisation writes (TOML): which data element (and category
option combo) each indicator goes to, which org unit each group, region or country is, and at
which of those levels to report. docs/indicators.md "## DHIS2 mapping" shows one.

Everything wrong with a mapping is said at once, one line each (a file written for one
report is often wrong in several places), and nothing is exported while any is left.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.domain.indicators import DEFINITIONS, Indicator
from bot.reports.programme import GroupInfo, ProgrammeReport

Level = Literal["group", "region", "country"]

# DHIS2's identifiers: 11 characters, letters and digits, the first a letter.
_UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
_UID_RULE = "a DHIS2 UID is 11 letters or digits, the first a letter"
_NAMES = frozenset(i.value for i in Indicator)


class MappingError(Exception):
    """Every problem of a mapping, one line each."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ElementMap(_Strict):
    data_element: str
    category_option_combo: str = ""  # empty: DHIS2's default combo
    attribute_option_combo: str = ""  # empty: DHIS2's default combo


class OrgUnits(_Strict):
    groups: dict[str, str] = {}  # group number -> org unit UID
    regions: dict[str, str] = {}  # region name, as the groups give it -> org unit UID
    countries: dict[str, str] = {}  # ISO country code -> org unit UID


class Dhis2Mapping(_Strict):
    level: Level
    indicators: dict[str, ElementMap] = {}
    leave_out: list[str] = []  # indicators deliberately not sent to DHIS2
    org_units: OrgUnits = OrgUnits()

    def element(self, indicator: Indicator) -> ElementMap | None:
        return self.indicators.get(indicator.value)

    def org_unit(self, unit: str) -> str | None:
        """The org unit of a unit of the mapping's level (a group number, region, country)."""
        return self.level_units().get(_key(self.level, unit))

    def level_units(self) -> dict[str, str]:
        """The org units of the level's units, by their matching key."""
        table = {
            "group": self.org_units.groups,
            "region": self.org_units.regions,
            "country": self.org_units.countries,
        }[self.level]
        return {_key(self.level, k): v for k, v in table.items()}


def _key(level: Level, unit: str) -> str:
    """How a unit is matched: a region however its accents were typed, a country in any case."""
    text = unicodedata.normalize("NFC", unit.strip())
    return text.upper() if level == "country" else text


def load_mapping(path: Path) -> Dhis2Mapping:
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(where, [f"{where}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(where, [f"{where}: cannot be read ({exc})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(where, [f"{where}: not valid TOML: {exc}"]) from None
    try:
        return Dhis2Mapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(where, [f"{where}: {_say(e)}" for e in exc.errors()]) from None


def _say(error: Any) -> str:
    at = ".".join(str(p) for p in error["loc"]) or "the file"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{at}: unknown key (a typing mistake?): take it out or correct it"
    if kind == "missing":
        return f"{at}: missing"
    if kind == "literal_error":
        return f"{at}: must be group, region or country"
    return f"{at}: {error['msg']}"


def problems(mapping: Dhis2Mapping, report: ProgrammeReport) -> list[str]:
    """Everything that keeps this mapping from exporting this report: unknown or unmapped
    indicators, units of the level without an org unit, UIDs DHIS2 would refuse, and two
    values that would land on the same DHIS2 cell (DHIS2 would keep only the last)."""
    out: list[str] = []
    known = ", ".join(i.value for i in Indicator if DEFINITIONS[i].audience == "programme")
    for name in [*mapping.indicators, *mapping.leave_out]:
        where = f"indicators.{name}" if name in mapping.indicators else f"leave_out: {name}"
        if name not in _NAMES:
            out.append(f"{where}: no such indicator (Foyer's are {known})")
        elif DEFINITIONS[Indicator(name)].audience != "programme":
            out.append(f"{where}: a safeguarding count, never sent to DHIS2: take it out")
    for name in sorted(set(mapping.indicators) & set(mapping.leave_out)):
        out.append(f"indicators.{name}: both mapped and in leave_out: keep one")
    for indicator in exported(report):
        if mapping.element(indicator) is None and indicator.value not in mapping.leave_out:
            out.append(
                f"indicator {indicator.value}: not mapped: add [indicators.{indicator.value}] "
                "with its data_element, or list it in leave_out"
            )
    for name, element in mapping.indicators.items():
        for field in ("data_element", "category_option_combo", "attribute_option_combo"):
            value = getattr(element, field)
            if (value or field == "data_element") and not _UID.fullmatch(value):
                out.append(f"indicators.{name}.{field}: {value!r} is not a UID ({_UID_RULE})")
    out += _unit_problems(mapping, report.groups)
    out += _clashes(
        "indicators",
        (
            (name, (e.data_element, e.category_option_combo, e.attribute_option_combo))
            for name, e in mapping.indicators.items()
        ),
        "the same data element and combos",
    )
    return out


def exported(report: ProgrammeReport) -> list[Indicator]:
    """The report's indicators DHIS2 may receive: the programme's, never safeguarding."""
    return [i for i in Indicator if i in report.tables and DEFINITIONS[i].audience == "programme"]


def units(level: Level, groups: Iterable[GroupInfo]) -> dict[str, list[GroupInfo]]:
    """The report's units at a level (group number, region, country), each with its groups."""
    out: dict[str, list[GroupInfo]] = {}
    for g in groups:
        unit = {"group": str(g.id), "region": g.region, "country": g.country}[level]
        out.setdefault(unit, []).append(g)
    return out


_TABLES = {"group": "groups", "region": "regions", "country": "countries"}


def _unit_problems(mapping: Dhis2Mapping, groups: tuple[GroupInfo, ...]) -> list[str]:
    out: list[str] = []
    level = mapping.level
    table = f"org_units.{_TABLES[level]}"
    for key in mapping.org_units.groups:
        if not key.isdigit():
            out.append(f"org_units.groups.{key}: a group is named by its number (foyer group list)")
    for kind in _TABLES.values():
        for key, uid in getattr(mapping.org_units, kind).items():
            if not _UID.fullmatch(uid):
                out.append(f"org_units.{kind}.{key}: {uid!r} is not a UID ({_UID_RULE})")
    for unit, members in units(level, groups).items():
        if unit == "":
            numbers = ", ".join(str(g.id) for g in members)
            many = len(members) > 1
            which = f"groups {numbers} have" if many else f"group {numbers} has"
            them = "them" if many else "it"
            out.append(f"{which} no {level}: give {them} one, or report at another level")
        elif mapping.org_unit(unit) is None:
            name = " ".join(members[0].name.split())  # one line, whatever the name holds
            what = f"group {unit} ({name})" if level == "group" else f"{level} {unit}"
            out.append(f"{what}: no org unit: add it under [{table}]")
    reported = {_key(level, u) for u in units(level, groups)}
    out += _clashes(
        table,
        ((k, uid) for k, uid in mapping.level_units().items() if k in reported),
        "the same org unit",
    )
    return out


def _clashes(where: str, pairs: Iterable[tuple[str, object]], what: str) -> list[str]:
    """Names that share a target: DHIS2 keeps one value per cell, so one would be lost."""
    seen: dict[object, list[str]] = {}
    for name, target in pairs:
        seen.setdefault(target, []).append(name)
    return [
        f"{where}: {' and '.join(names)} have {what}: DHIS2 would keep only one of their values"
        for names in seen.values()
        if len(names) > 1
    ]
