"""One clock style and one punctuation per language, wherever Foyer writes them."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, time

import pytest
from babel.messages.pofile import read_po

from bot.i18n import format_clock, format_when
from bot.paths import conversations_dir, locales_dir
from tests.conftest import Foyer

# French puts a no-break space before : ; ! ? ("Police : 17"); a plain space there lets the
# sign wrap onto a line of its own, and none at all is the English style.
_FRENCH_SIGN = re.compile(r"(?<![\u00a0\u202f!?])[:;!?]")


@pytest.mark.parametrize("lang", ["en", "fr", "es", "bm"])
def test_one_clock_style_per_language(lang: str) -> None:
    evening = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # 17:00 in Bamako
    morning = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    assert format_when(evening, "Africa/Bamako", lang).endswith(format_clock(time(17, 0), lang))
    assert format_when(morning, "Africa/Bamako", lang).endswith(format_clock(time(9, 0), lang))
    # The style the schedule views, the wizard and the command line use: "17:00", "09:00".
    assert format_clock(time(17, 0), lang) == "17:00"
    assert format_clock(time(9, 0), lang) == "09:00"


def _french_texts() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for domain in ("foyer", "content"):
        with (locales_dir() / "fr" / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
            for entry in read_po(fh, locale="fr"):
                strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                found += [(f"{domain}.po: {entry.id!r}", str(s)) for s in strings if entry.id and s]

    def french(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "fr" and isinstance(value, dict):
                    found.extend((where, v) for v in value.values() if isinstance(v, str))
                elif key == "fr" and isinstance(value, str):
                    found.append((where, value))
                else:
                    french(value, where)
        elif isinstance(node, list):
            for item in node:
                french(item, where)

    for path in sorted((conversations_dir() / "resources").glob("*.toml")):
        french(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    return found


def test_french_punctuation_takes_a_no_break_space() -> None:
    texts = _french_texts()
    assert len(texts) > 100
    bad = []
    for where, text in texts:
        # Tags, placeholders, links, /commands and the sandbox's :commands are not prose.
        plain = re.sub(r"<[^>]*>|\{[a-z_]+\}|https?://\S+|/[a-z]+|(?<![^\s(]):[a-z-]+", "x", text)
        plain = re.sub(r"\d{1,2}:\d{2}|heures:minutes", "x", plain)  # a clock, not a sign
        if _FRENCH_SIGN.search(plain):
            bad.append(f"{where}: {text!r}")
    assert bad == [], "\n".join(bad)


async def test_french_help_writes_numbers_the_french_way(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group(language="fr")
    uid = await foyer.join(code, language="Français")
    foyer.emu.send_text(uid, "/aide")
    text = (await foyer.last_message(uid)).text
    assert "Police\u00a0: 17" in text  # Mali's resources, French punctuation
    assert "Police: 17" not in text


async def test_english_help_keeps_english_punctuation(foyer: Foyer) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code)
    foyer.emu.send_text(uid, "/help")
    assert "Police: 17" in (await foyer.last_message(uid)).text
