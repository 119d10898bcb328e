"""ISO 3166 country codes, checked against babel's territory names (CLDR)."""

from __future__ import annotations

import difflib
import functools

from babel import Locale

# CLDR territories with two letters that are not countries: the EU, the eurozone, the UN,
# "outlying Oceania", pseudo-locales and the unknown region.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
EXAMPLES = ("ML", "NI", "IN")


@functools.cache
def names(lang: str = "en") -> dict[str, str]:
    """Country code -> name in ``lang``."""
    return {
        code: name
        for code, name in Locale.parse(lang).territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def check_country(text: str) -> str:
    """The upper-case ISO code; ValueError names the country meant when it can guess it."""
    code = text.strip().upper()
    known = names()
    if code in known:
        return code
    return _refuse(text.strip(), known)


def _refuse(given: str, known: dict[str, str]) -> str:
    # A country's name, in English, French or Spanish, as people type it in place of its code.
    by_name = {
        name.casefold(): code for lang in ("en", "fr", "es") for code, name in names(lang).items()
    }
    wrong = f"country: {given!r} is not an ISO 3166 country code"
    if given.casefold() in by_name:
        code = by_name[given.casefold()]
        raise ValueError(f"{wrong}; the code of {known[code]} is {code}")
    close = [] if len(given) <= 3 else difflib.get_close_matches(given.casefold(), by_name, 3)
    guesses = list(dict.fromkeys(by_name[n] for n in close))
    if guesses:
        meant = " or ".join(f"{code} ({known[code]})" for code in guesses)
        raise ValueError(f"{wrong}; did you mean {meant}?")
    meant = ", ".join(f"{code} for {known[code]}" for code in EXAMPLES)
    raise ValueError(f"{wrong}, such as {meant}")
