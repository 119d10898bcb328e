"""Which country a group is in, so /help shows that country's referral resources."""

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
