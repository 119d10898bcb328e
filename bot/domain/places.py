"""Where a group is: its country, so /help shows that country's referral resources, and its
region, as the programme's reports name it."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO 3166 country code, from the zone.tab shipped by the tzdata package."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            out[zone] = code
    return out


def country_for_timezone(timezone: str) -> str | None:
    """'Africa/Bamako' -> 'ML'; None for zones that are not one country's (UTC, Etc/...)."""
    return _zone_countries().get(timezone)


REGION_MAX = 80  # the column's length (group.region, migration 0011)


def check_region(text: str | None) -> str | None:
    """A region as given, spaces tidied ("  Ségou " -> "Ségou"); None for none. Every way of
    setting one (the CLI, the CSV import, /newgroup) checks it here; ValueError says why not."""
    region = " ".join((text or "").split())
    if len(region) > REGION_MAX:
        raise ValueError(f"region: at most {REGION_MAX} characters ({len(region)} given)")
    if any(not ch.isprintable() for ch in region):
        raise ValueError("region: plain text only, no control characters")
    return region or None
