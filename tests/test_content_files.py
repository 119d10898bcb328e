"""The shipped programme content: curricula, their translations and the extraction tooling.

These tests read the real files in conversations/ and locales/, so a content author who breaks
a rule (a text too long, a translation missing or with a broken tag, a catalog out of date)
finds out here, with the context key of the string at fault.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.content.extract import extract_curriculum
from bot.domain.curricula import Curricula
from bot.domain.curriculum import (
    MESSAGE_GUIDELINE,
    TEXT_LIMIT,
    Audience,
    Curriculum,
    CurriculumError,
    load_curriculum,
    translatable_strings,
)

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = ROOT / "conversations"
LOCALES = ROOT / "locales"
POT = LOCALES / "content.pot"
EXTRACTOR = "bot.content.extract:extract_curriculum"

SHIPPED = {"men-groups-12": (Audience.MEN, 12), "couples-8": (Audience.COUPLES, 8)}
COMPLETE_LANGUAGES = ("fr", "es")  # every string translated and reviewed
CATALOG_LANGUAGES = ("fr", "es", "bm")  # bm: drafts only, all fuzzy until reviewed

ALLOWED_TAGS = {"<b>", "</b>", "<i>", "</i>"}
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Python %-format, brace placeholders, and anything else that looks like a slot to fill in.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}")


# ----------------------------------------------------------------------------- helpers


def shipped_curricula() -> list[Curriculum]:
    return [load_curriculum(p) for p in sorted(CONVERSATIONS.glob("*.toml"))]


def all_strings() -> list[tuple[str, str]]:
    from bot.content.extract import staff_strings
    from bot.paths import conversations_dir

    curricula = [pair for cur in shipped_curricula() for pair in translatable_strings(cur)]
    return curricula + staff_strings(conversations_dir())


def limit_for(context: str) -> int:
    conduct = context.endswith(":code_of_conduct") or context.startswith("staff:")
    return TEXT_LIMIT if conduct else MESSAGE_GUIDELINE


def load_catalog(lang: str) -> Catalog:
    path = LOCALES / lang / "LC_MESSAGES" / "content.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain="content")


def messages(catalog: Catalog) -> Iterator[Message]:
    return (m for m in catalog if m.id)


def tags(text: str) -> list[str]:
    return TAG.findall(text)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# ----------------------------------------------------------------------------- curricula


def test_every_shipped_curriculum_loads_with_the_expected_shape() -> None:
    curricula = Curricula(CONVERSATIONS)
    assert set(curricula.ids()) == set(SHIPPED)
    for cur_id, (audience, weeks) in SHIPPED.items():
        cur = curricula[cur_id]
        assert cur.audience is audience
        assert cur.weeks == weeks
        assert sorted(w.number for w in cur.week) == list(range(1, weeks + 1))
        assert cur.source_language == "en"


def test_mens_curriculum_has_couples_sessions_on_weeks_3_6_9_12() -> None:
    cur = load_curriculum(CONVERSATIONS / "men-groups-12.toml")
    with_exercise = [w.number for w in cur.week if w.couples_exercise is not None]
    assert with_exercise == [3, 6, 9, 12]
    for w in cur.week:
        assert w.prompt and w.challenge and w.checkin and w.tip


def test_couples_curriculum_has_an_exercise_every_week() -> None:
    cur = load_curriculum(CONVERSATIONS / "couples-8.toml")
    for w in cur.week:
        assert w.couples_exercise is not None, w.number
        assert 10 <= w.couples_exercise.minutes <= 30
        # The bot sends the prompt, challenge and check-in to each partner; the tip follows
        # "Partly" or "Not yet". The couples track uses them all.
        assert w.prompt and w.challenge and w.checkin and w.tip, w.number


def test_mens_curriculum_credits_the_programmes_it_draws_on() -> None:
    cur = load_curriculum(CONVERSATIONS / "men-groups-12.toml")
    credits = " ".join(cur.attribution)
    for name in (
        "Program H",
        "Program P",
        "Bandebereho",
        "Journeys of Transformation",
        "Indashyikirwa",
        "Social Analysis and Action",
    ):
        assert name in credits


def test_every_source_text_respects_the_length_rule() -> None:
    too_long = [
        f"{context}: {len(text)} characters"
        for context, text in all_strings()
        if len(text) > limit_for(context)
    ]
    assert not too_long
    for context, text in all_strings():
        assert text and text == text.strip(), f"{context}: empty, or spaces around the text"


def test_source_texts_use_only_simple_telegram_html_and_no_placeholders() -> None:
    for context, text in all_strings():
        found = tags(text)
        assert set(found) <= ALLOWED_TAGS, f"{context}: {found}"
        for open_tag in ("<b>", "<i>"):
            assert found.count(open_tag) == found.count(open_tag.replace("<", "</")), context
        stripped = TAG.sub("", text)
        assert "<" not in stripped and ">" not in stripped, f"{context}: bare < or >"
        assert "&" not in text, f"{context}: a bare & breaks Telegram HTML"
        assert not placeholders(text), f"{context}: content has no placeholders"


def test_participant_messages_never_ask_anyone_to_write() -> None:
    """Foyer stores no free text: prompts say think about / talk with, never write."""
    fields = (":prompt", ":challenge", ":checkin", ":tip", ":couples_exercise.")
    for context, text in all_strings():
        if any(f in context for f in fields):
            assert not re.search(r"\bwrit", text, re.IGNORECASE), context


# ----------------------------------------------------------------------------- extractor


@pytest.mark.parametrize("path", sorted(CONVERSATIONS.glob("*.toml")), ids=lambda p: p.name)
def test_extractor_yields_exactly_the_curriculum_contexts(path: Path) -> None:
    expected = dict(translatable_strings(load_curriculum(path)))
    with path.open("rb") as fh:
        found = list(extract(EXTRACTOR, fh))
    contexts = [context for _, _, _, context in found]
    assert len(contexts) == len(set(contexts))
    assert {context: msgid for _, msgid, _, context in found} == expected
    lines = path.read_text(encoding="utf-8").splitlines()
    for lineno, msgid, comments, context in found:
        assert isinstance(msgid, str) and comments, context
        # The reported line holds the start of the text, so translators can jump to it.
        assert lineno > 0, context
        first = re.split(r'["\\]', msgid.split("\n", 1)[0])[0][:30].strip()
        assert first in lines[lineno - 1], (context, lineno)


def test_extractor_raw_tuples_have_the_pgettext_shape() -> None:
    path = CONVERSATIONS / "couples-8.toml"
    with path.open("rb") as fh:
        lineno, funcname, message, comments = next(
            iter(extract_curriculum(fh, ["pgettext"], [], {}))
        )
    assert funcname == "pgettext"
    assert message == ("couples-8:title", load_curriculum(path).title)
    assert isinstance(lineno, int) and isinstance(comments, list)


def test_extractor_refuses_an_invalid_curriculum() -> None:
    bad = io.BytesIO(b'id = "x"\ntitle = ')
    with pytest.raises(CurriculumError):
        list(extract_curriculum(bad, ["pgettext"], [], {}))
    incomplete = io.BytesIO(b'id = "broken-1"\ntitle = "T"\naudience = "men"\nweeks = 1\n')
    with pytest.raises(CurriculumError):
        list(extract_curriculum(incomplete, ["pgettext"], [], {}))


def test_mapping_file_drives_the_extractor_over_conversations() -> None:
    with (ROOT / "babel-content.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {
        (context, msgid)
        for _filename, _lineno, msgid, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map
        )
    }
    assert found == set(all_strings())


# ----------------------------------------------------------------------------- catalogs


def test_template_is_in_sync_with_the_curricula() -> None:
    with POT.open("rb") as fh:
        pot = read_po(fh, domain="content")
    entries = {(m.context, m.id) for m in messages(pot)}
    assert entries == set(all_strings()), (
        "locales/content.pot is out of date: run the pybabel extract command in "
        "conversations/README.md"
    )


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_catalog_matches_the_template(lang: str) -> None:
    catalog = load_catalog(lang)
    entries = {(m.context, m.id) for m in messages(catalog)}
    assert entries == set(all_strings()), f"{lang}: run pybabel update (conversations/README.md)"
    assert not catalog.obsolete, f"{lang}: obsolete entries left in the catalog"
    assert catalog.locale_identifier == lang


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_catalog_compiles_with_msgfmt(lang: str) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext msgfmt is not installed")
    po = LOCALES / lang / "LC_MESSAGES" / "content.po"
    result = subprocess.run(
        [msgfmt, "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_catalog_compiles_with_babel(lang: str) -> None:
    catalog = load_catalog(lang)
    errors = [(m.context, err) for m, err in catalog.check()]
    assert not errors
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # as bot.i18n does
    assert buf.getvalue()


@pytest.mark.parametrize("lang", COMPLETE_LANGUAGES)
def test_complete_languages_translate_every_string(lang: str) -> None:
    catalog = load_catalog(lang)
    missing = []
    for context, source in all_strings():
        message = catalog.get(source, context=context)
        if message is None or not message.string or message.fuzzy:
            missing.append(context)
    assert not missing, f"{lang}: missing or fuzzy: {missing}"


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_translations_keep_tags_placeholders_and_length(lang: str) -> None:
    for m in messages(load_catalog(lang)):
        if not m.string:
            continue
        where = f"{lang} {m.context}"
        source, text = m.id, m.string
        assert isinstance(source, str) and isinstance(text, str), f"{where}: no plural forms"
        assert tags(text) == tags(source), f"{where}: tags differ from the source"
        assert placeholders(text) == placeholders(source), f"{where}: placeholders differ"
        assert "&" not in text, f"{where}: a bare & breaks Telegram HTML"
        assert len(text) <= limit_for(m.context or ""), f"{where}: {len(text)} chars"
        assert text == text.strip(), f"{where}: leading or trailing whitespace"
        assert text.count("\n") == source.count("\n"), f"{where}: line breaks differ"


def test_bambara_catalog_header_and_drafts() -> None:
    catalog = load_catalog("bm")
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"
    drafts = [m for m in messages(catalog) if m.string]
    assert drafts, "the Bambara catalog ships at least the code of conduct"
    for cur_id in SHIPPED:
        conduct = next(m for m in messages(catalog) if m.context == f"{cur_id}:code_of_conduct")
        assert conduct.string


# ----------------------------------------------------------------------------- at run time


def test_content_follows_the_fallback_chain_bm_fr_en() -> None:
    from bot.i18n import content_text

    fr = load_catalog("fr")
    bm = load_catalog("bm")
    for context, source in all_strings():
        assert content_text(context, source, "en") == source
        french = content_text(context, source, "fr")
        assert french == fr.get(source, context=context).string  # type: ignore[union-attr]
        assert content_text(context, source, "es") != source or source.isdigit()
        draft = bm.get(source, context=context)
        if draft is None or not draft.string or draft.fuzzy:
            # Not yet reviewed: a Bambara reader sees the French text, never a hole.
            assert content_text(context, source, "bm") == french, context
