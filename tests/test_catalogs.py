"""The interface catalogs: every string the code uses is in every language, and compiles."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.paths import locales_dir

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "es", "bm")
REVIEWED = ("fr", "es")  # bm may still be fuzzy (awaiting a native speaker): it falls back to fr
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def code_messages() -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> where, for every gettext call in the package."""
    found: dict[tuple[str | None, str], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")]
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found[(context, msgid)] = f"{filename}:{lineno}"
    return found


def catalog(lang: str):
    po = locales_dir() / lang / "LC_MESSAGES" / "foyer.po"
    with po.open("rb") as fh:
        return read_po(fh, locale=lang)


def test_code_uses_strings() -> None:
    assert len(code_messages()) > 50


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_every_interface_string(lang: str) -> None:
    cat = catalog(lang)
    missing = []
    for (context, msgid), where in code_messages().items():
        entry = cat.get(msgid, context=context)
        if entry is None or (lang in REVIEWED and (not entry.string or entry.fuzzy)):
            missing.append(f"{where}: {msgid!r}")
    assert missing == [], f"{lang} lacks {len(missing)} strings:\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_and_tags_match(lang: str) -> None:
    bad = []
    for entry in catalog(lang):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        want = set(PLACEHOLDER.findall(ids[-1]))
        tags = sorted(re.findall(r"</?[a-z]+>", ids[0]))
        for s in strings:
            if s and (
                set(PLACEHOLDER.findall(s)) != want or sorted(re.findall(r"</?[a-z]+>", s)) != tags
            ):
                bad.append(f"{ids[0]!r} -> {s!r}")
    assert bad == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_compiles_with_msgfmt(lang: str, tmp_path: Path) -> None:
    for po in (locales_dir() / lang / "LC_MESSAGES").glob("*.po"):
        result = subprocess.run(
            ["msgfmt", "-c", "-o", str(tmp_path / "out.mo"), str(po)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


def test_bambara_plural_form() -> None:
    assert catalog("bm").plural_expr.strip() == "0"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_passes_babel_checks(lang: str) -> None:
    """Babel's own checks (format strings, plural counts): what start-up compilation relies on."""
    problems = [f"{message.id!r}: {errors}" for message, errors in catalog(lang).check() if errors]
    assert problems == []


def test_no_gettext_call_hides_inside_an_f_string() -> None:
    """Extraction cannot see _() inside an f-string, so such a string would stay English."""
    pattern = re.compile(r"""\bf(["'])[^\n]*?\{\s*(_|ngettext|pgettext)\(""")
    hidden = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "bot").rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hidden == []


def test_untranslated_bambara_plural_falls_back_to_french() -> None:
    from bot.i18n import ngettext, use_language

    singular = "About {n} minute, together, face to face."
    plural = "About {n} minutes, together, face to face."
    bm = catalog("bm").get((singular, plural))
    assert bm is None or not any(bm.string) or bm.fuzzy  # still awaiting review
    with use_language("fr"):
        french = ngettext(singular, plural, 25)
    with use_language("bm"):
        assert ngettext(singular, plural, 25) == french != plural
