"""The content authors' tools: `foyer content check`, `preview` and `stats`.

Broken samples live in tests/data/broken/; their catalogs are written per test from the
sample's own strings (complete French and Spanish, Bambara drafts), then broken one way at a
time, so each test shows exactly one problem and its exact message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot import i18n
from bot.app import build_application, running
from bot.cli import main
from bot.content.check import check_path
from bot.content.offline import FixedCurricula
from bot.content.preview import format_preview, preview
from bot.content.problems import Problem
from bot.content.rendered_check import outgoing_problems
from bot.delivery.render import Outgoing
from bot.domain.curriculum import load_curriculum, translatable_strings
from bot.emulator import BotAPIEmulator
from bot.infra.clock import OffsetClock
from bot.paths import conversations_dir, locales_dir
from bot.runtime import runtime_of
from bot.settings import Settings
from tests.conftest import Foyer, make_settings, msg_buttons

BROKEN = Path(__file__).parent / "data" / "broken"
CLEAN = BROKEN / "clean.toml"
Edit = Callable[[str, str, str], tuple[str, bool] | None]


def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def write_catalogs(root: Path, curriculum: Path, edit: Edit | None = None) -> Path:
    """fr/es translated ("[fr] " + English) and reviewed, bm fuzzy drafts; ``edit(lang,
    context, text)`` may return (new text, fuzzy) or None to leave the entry out."""
    cur = load_curriculum(curriculum)
    for lang in ("fr", "es", "bm"):
        catalog = Catalog(locale=lang, domain="content")
        for context, source in translatable_strings(cur):
            entry: tuple[str, bool] | None = (f"[{lang}] {source}", lang == "bm")
            if "\n" in source:  # keep the line breaks of the code of conduct
                entry = (source, lang == "bm")
            if edit is not None:
                entry = edit(lang, context, entry[0]) if entry else None
            if entry is None:
                continue
            text, fuzzy = entry
            catalog.add(source, text, context=context, flags=("fuzzy",) if fuzzy else ())
        folder = root / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "content.po").open("wb") as fh:
            write_po(fh, catalog)
    return root


def run_check(
    path: Path, locales: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code = main(["content", "check", str(path), "--locales", str(locales)])
    return code, capsys.readouterr().out.splitlines()


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("FOYER_CONTENT_DIR", "FOYER_LANGUAGE_FALLBACKS", "FOYER_DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env file here
    yield
    i18n.configure({"bm": "fr"})


# ----------------------------------------------------------------------------- check


def test_every_shipped_curriculum_passes_content_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "checked couples-8, men-groups-12: no problems" in captured.err
    # Bambara is partial by design: flagged (awaiting review), never a failure.
    assert "bm strings await a native speaker's review" in captured.err
    report = check_path(conversations_dir(), locales=locales_dir(), settings=settings())
    assert report.ok and report.curricula == ["couples-8", "men-groups-12"]
    assert report.flagged and all(": bm: " in str(p) for p in report.flagged)


def test_the_clean_sample_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locales = write_catalogs(tmp_path, CLEAN)
    assert run_check(CLEAN, locales, capsys) == (0, [])


def test_missing_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "missing-week.toml"
    code, lines = run_check(path, tmp_path, capsys)
    assert (code, lines) == (1, [f"{path}:2:-: week 2 is missing: weeks must be numbered 1 to 3"])


def test_over_long_source_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "long-message.toml"
    code, lines = run_check(path, tmp_path, capsys)
    assert (code, lines) == (1, [f"{path}:2:prompt: String should have at most 600 characters"])


def test_over_long_translation_and_rendered_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = "Pensez. " * 520  # 4160 characters: over the rule and over Telegram's limit

    def edit(lang: str, context: str, text: str) -> tuple[str, bool]:
        if (lang, context) == ("fr", "clean-2:w2:prompt"):
            return (huge.strip(), False)
        return (text, lang == "bm")

    locales = write_catalogs(tmp_path, CLEAN, edit)
    code, lines = run_check(CLEAN, locales, capsys)
    assert code == 1
    too_long = "the prompt message is 4253 characters after formatting; Telegram allows 4096"
    # Bambara readers fall back to the French text here, so their message is too long as well.
    assert lines == [
        f"{CLEAN}:2:message.prompt: bm: {too_long}",
        f"{CLEAN}:2:message.prompt: fr: {too_long}",
        f"{CLEAN}:2:prompt: fr: 4159 characters, at most 600",
    ]


def test_broken_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "broken-html.toml"
    locales = write_catalogs(tmp_path, path)
    code, lines = run_check(path, locales, capsys)
    unclosed = 'HTML not valid for Telegram: Can\'t find end tag corresponding to start tag "b"'
    # The English is broken, and so is each translation that copied it; said once per text.
    assert (code, lines) == (
        1,
        [
            f"{path}:1:prompt: HTML not valid for Telegram: Can't find end tag corresponding "
            'to start tag "b"',
            f"{path}:1:prompt: es: {unclosed}",
            f"{path}:1:prompt: fr: {unclosed}",
        ],
    )


def test_broken_html_in_one_translation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def edit(lang: str, context: str, text: str) -> tuple[str, bool]:
        if (lang, context) == ("es", "clean-2:w1:tip"):
            return ("Vaya temprano & con calma.", False)
        return (text, lang == "bm")

    code, lines = run_check(CLEAN, write_catalogs(tmp_path, CLEAN, edit), capsys)
    assert (code, lines) == (
        1,
        [
            f'{CLEAN}:1:tip: es: HTML not valid for Telegram: Character "&" must be escaped as '
            '"&amp;" at byte offset 14'
        ],
    )


def test_placeholder_in_the_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "placeholder.toml"
    code, lines = run_check(path, write_catalogs(tmp_path, path), capsys)
    assert (code, lines) == (
        1,
        [
            f"{path}:2:prompt: placeholder {{name}}: curriculum texts are sent as written, "
            "nothing fills it in"
        ],
    )


def test_today_in_a_delivered_text_is_flagged_in_each_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BROKEN / "today.toml"
    words = {"fr": "Aujourd'hui", "es": "Hoy", "bm": "Bi"}

    def edit(lang: str, context: str, text: str) -> tuple[str, bool]:
        if context == "clean-2:w2:tip":  # the tip comes days after the meeting too
            return (f"{words[lang]}, allez-y.", lang == "bm")
        return (text, lang == "bm")

    code, lines = run_check(path, write_catalogs(tmp_path, path, edit), capsys)
    why = (
        "but members receive it the day after the meeting or later (at once when they join "
        "late): word it so it is true whenever it arrives"
    )
    # The closing, read aloud at the meeting, may say "today"; a language's own word is looked
    # for in its translation; Bambara drafts are flagged only.
    assert (code, lines) == (
        1,
        [
            f"{path}:1:prompt: says 'Today', {why}",
            f"{path}:2:tip: es: says 'Hoy', {why}",
            f'{path}:2:tip: fr: says "Aujourd\'hui", {why}',
        ],
    )
    report = check_path(path, locales=tmp_path, settings=settings())
    assert f"{path}:2:tip: bm: says 'Bi', {why}" in [str(p) for p in report.flagged]


def test_placeholder_mismatch_across_languages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edit(lang: str, context: str, text: str) -> tuple[str, bool]:
        if (lang, context) == ("fr", "clean-2:w1:challenge"):
            return ("Allez chercher l'eau deux fois, {name}.", False)
        return (text, lang == "bm")

    code, lines = run_check(CLEAN, write_catalogs(tmp_path, CLEAN, edit), capsys)
    assert (code, lines) == (
        1,
        [
            f"{CLEAN}:1:challenge: fr: placeholders differ from the English: "
            "{name} instead of none"
        ],
    )


def test_missing_and_fuzzy_translations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def edit(lang: str, context: str, text: str) -> tuple[str, bool] | None:
        if (lang, context) == ("fr", "clean-2:w2:checkin"):
            return None
        if (lang, context) == ("es", "clean-2:w1:theme"):
            return (text, True)
        if lang == "bm" and context.endswith(":tip"):
            return None  # Bambara may be partial: flagged, not a failure
        return (text, lang == "bm")

    code, lines = run_check(CLEAN, write_catalogs(tmp_path, CLEAN, edit), capsys)
    assert (code, lines) == (
        1,
        [
            f"{CLEAN}:1:theme: es: translation is fuzzy (not yet reviewed)",
            f"{CLEAN}:2:checkin: fr: missing translation",
        ],
    )
    report = check_path(CLEAN, locales=tmp_path, settings=settings())
    assert Problem(str(CLEAN), "1", "tip", "bm: missing translation") in report.flagged


def test_outdated_translation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_catalogs(tmp_path, CLEAN)
    po = tmp_path / "fr" / "LC_MESSAGES" / "content.po"
    po.write_text(po.read_text().replace('msgid "Theme 2"', 'msgid "Old theme 2"'))
    code, lines = run_check(CLEAN, tmp_path, capsys)
    assert (code, lines) == (
        1,
        [
            f"{CLEAN}:2:theme: fr: translation is for an older English text "
            "(run pybabel update, review it)"
        ],
    )


def test_folder_check_reports_duplicate_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("a.toml", "b.toml"):
        (folder / name).write_text(CLEAN.read_text())
    locales = write_catalogs(tmp_path / "locales", CLEAN)
    code, lines = run_check(folder, locales, capsys)
    assert (code, lines) == (
        1,
        [f"{folder / 'b.toml'}:-:id: 'clean-2' is already the id of {folder / 'a.toml'}"],
    )


def test_unreadable_path_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "check", str(tmp_path / "nope")]) == 2
    assert "is neither a curriculum file nor a folder" in capsys.readouterr().err


def test_rendered_caption_limit_and_button_data() -> None:
    caption = Outgoing(text="x" * 1025, media=("voice", "file-id"))
    assert outgoing_problems("prompt", caption) == [
        "the prompt caption is 1025 characters after formatting; Telegram allows 1024"
    ]
    # Emoji count twice, as Telegram counts UTF-16 code units.
    assert outgoing_problems("prompt", Outgoing(text="🙂" * 2049)) == [
        "the prompt message is 4098 characters after formatting; Telegram allows 4096"
    ]
    assert outgoing_problems("prompt", Outgoing(text="<b>ok</b>")) == []


# ----------------------------------------------------------------------------- stats


def test_stats_counts_translated_fuzzy_and_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edit(lang: str, context: str, text: str) -> tuple[str, bool] | None:
        if lang == "bm":
            if context.endswith(":code_of_conduct"):
                return (text, False)
            return (text, True) if context.endswith(":theme") else None
        return None if (lang, context) == ("es", "clean-2:title") else (text, False)

    locales = write_catalogs(tmp_path, CLEAN, edit)
    assert main(["content", "stats", str(CLEAN), "--locales", str(locales)]) == 0
    total = len(list(translatable_strings(load_curriculum(CLEAN))))
    # Audio beside the text: clean-2 names no recording (its code of conduct, 2 weeks x 3).
    assert capsys.readouterr().out.splitlines() == [
        "curriculum  language     translated  fuzzy  missing  audio",
        f"clean-2     en (source)  {total:>10}  {0:>5}  {0:>7}    0/7",
        f"clean-2     fr           {total:>10}  {0:>5}  {0:>7}    0/7",
        f"clean-2     es           {total - 1:>10}  {0:>5}  {1:>7}    0/7",
        f"clean-2     bm           {1:>10}  {2:>5}  {total - 3:>7}    0/7",
    ]


def test_stats_of_the_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "stats", "--json"]) == 0
    import json

    rows = {(r["curriculum"], r["language"]): r for r in json.loads(capsys.readouterr().out)}
    for cur in ("men-groups-12", "couples-8"):
        assert rows[(cur, "fr")]["fuzzy"] == rows[(cur, "fr")]["missing"] == 0
        assert rows[(cur, "es")]["fuzzy"] == rows[(cur, "es")]["missing"] == 0
        assert (
            rows[(cur, "bm")]["translated"]
            + rows[(cur, "bm")]["fuzzy"]
            + rows[(cur, "bm")]["missing"]
            == rows[(cur, "en")]["translated"]
        )


# ----------------------------------------------------------------------------- fallback


async def test_fallback_chain_bm_fr_en_in_what_a_member_receives(tmp_path: Path) -> None:
    def edit(lang: str, context: str, text: str) -> tuple[str, bool] | None:
        if lang == "bm":
            return {
                "clean-2:w1:prompt": ("Miiri ji ko la.", False),  # reviewed
                "clean-2:w1:theme": ("Hakili 1", True),  # fuzzy: not shown
            }.get(context)  # everything else missing
        return (text, False)

    locales = write_catalogs(tmp_path, CLEAN, edit)
    cur = load_curriculum(CLEAN)
    curricula = FixedCurricula([cur], BROKEN)
    first = (await preview(settings(), curricula, "clean-2", 1, "bm", locales=locales))[0]
    lines = first.text.splitlines()
    # Reviewed Bambara is shown; fuzzy and missing Bambara fall back to French, never a hole.
    assert lines[0].endswith("[fr] Theme 1")
    assert lines[2] == "Miiri ji ko la."
    assert lines[-1] == f"[fr] {cur.get_week(1).challenge}"
    # The chain is a setting: without bm -> fr, Bambara falls back to the English source.
    i18n.configure({})
    first = (await preview(settings(), curricula, "clean-2", 1, "bm", locales=locales))[0]
    lines = first.text.splitlines()
    assert lines[0].endswith(": Theme 1") and "[fr]" not in first.text
    assert lines[2] == "Miiri ji ko la."
    assert lines[-1] == cur.get_week(1).challenge


# ----------------------------------------------------------------------------- preview


def test_preview_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        ("nope", "1", "en"): "foyer: no curriculum 'nope' (known: couples-8, men-groups-12)\n",
        ("men-groups-12", "13", "en"): "foyer: men-groups-12 has weeks 1 to 12, not 13\n",
        ("men-groups-12", "1", "de"): "foyer: no language 'de' (one of en, fr, es, bm)\n",
    }
    for (cur, week, lang), err in cases.items():
        assert main(["content", "preview", cur, "--week", week, "--lang", lang]) == 2
        assert capsys.readouterr().err == err


def test_facilitator_preview_says_when_it_is_not_available(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.content.offline import registered_kinds

    code = main(["content", "preview", "men-groups-12", "--week", "1", "--as", "facilitator"])
    if "guide" in registered_kinds():
        assert code == 0 and "1. guide" in capsys.readouterr().out
    else:
        assert code == 2
        assert "facilitator preview is not available yet" in capsys.readouterr().err


def test_partner_preview_shows_the_couples_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "preview", "men-groups-12", "--week", "3", "--as", "partner"]) == 0
    out = capsys.readouterr().out
    cur = load_curriculum(conversations_dir() / "men-groups-12.toml")
    exercise = cur.get_week(3).couples_exercise
    assert exercise is not None
    assert "men-groups-12, week 3, English (en), as partner" in out
    assert f"To do together this week: {exercise.title}" in out
    prompt = cur.get_week(3).prompt
    assert prompt is not None
    assert prompt not in out  # a partner of a men's group gets no prompt
    assert main(["content", "preview", "men-groups-12", "--week", "2", "--as", "partner"]) == 0
    assert "receives nothing this week" in capsys.readouterr().out


def _received(message: object) -> tuple[str | None, list[list[str]]]:
    text = getattr(message, "text", None) or getattr(message, "caption", "")
    return text, [[label for label, _data in row] for row in msg_buttons(message)]


@pytest.mark.parametrize(("lang", "label"), [("fr", "Français"), ("bm", "Bamanankan")])
async def test_preview_matches_what_the_bot_really_sends(
    emu: BotAPIEmulator,
    db_url: str,
    clock: OffsetClock,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    label: str,
) -> None:
    week = 3
    s = make_settings(emu, db_url, content_dir=conversations_dir())
    app = build_application(s, clock=clock)
    async with running(app, poll_timeout=1):
        foyer = Foyer(app=app, rt=runtime_of(app), emu=emu, clock=clock)
        _gid, code = await foyer.create_group(
            curriculum="men-groups-12", starts=date(2026, 12, 3), meet=(3, time(17, 0))
        )
        uid = await foyer.join(code, language=label)
        delivery = datetime(2026, 12, 4, 9, 0, tzinfo=UTC) + timedelta(weeks=week - 1)
        await foyer.advance_to(delivery)
        prompt = await foyer.last_message(uid)
        await foyer.advance_to(delivery + timedelta(days=s.checkin_after_days))
        check_in = await foyer.last_message(uid)
        await foyer.press(uid, check_in, msg_buttons(check_in)[0][1][1])  # Partly
        after_partly = await emu.wait_for_edit(uid, check_in.message_id)

        shown = await preview(s, foyer.rt.curricula, "men-groups-12", week, lang)
        assert [(m.text, m.buttons) for m in shown if m.heading[0].isdigit()] == [
            _received(prompt),
            _received(check_in),
        ]
        assert shown[3].text == after_partly.text

        # The command prints the same, in the same order, with the buttons shown.
        code_ = await asyncio.to_thread(
            main, ["content", "preview", "men-groups-12", "--week", str(week), "--lang", lang]
        )
    assert code_ == 0
    printed = capsys.readouterr().out
    assert printed == format_preview(shown, "men-groups-12", week, lang, "member") + "\n"
    labels = " ".join(f"[{b}]" for b in _received(check_in)[1][0])
    assert (
        f"── 1. prompt, at delivery time ──\n{prompt.text}\n\n"
        f"── 2. checkin, at check-in time ──\n{check_in.text}\n{labels}\n\n"
    ) in printed
    assert f"the check-in becomes ──\n{after_partly.text}\n" in printed


def test_folder_check_includes_referral_resources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "content"
    resources = folder / "resources"
    resources.mkdir(parents=True)
    (folder / "clean.toml").write_text(CLEAN.read_text())
    shipped = conversations_dir() / "resources" / "ml.toml"
    (resources / "ml.toml").write_text(shipped.read_text())  # generic.toml left out
    locales = write_catalogs(tmp_path / "locales", CLEAN)
    code, lines = run_check(folder, locales, capsys)
    assert (code, lines) == (1, [f"{resources}:-:-: generic.toml is missing"])


def test_folder_check_includes_distress_word_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "content"
    distress = folder / "distress"
    distress.mkdir(parents=True)
    (folder / "clean.toml").write_text(CLEAN.read_text())
    (distress / "en.toml").write_text("violence = 3\n")
    locales = write_catalogs(tmp_path / "locales", CLEAN)
    code, lines = run_check(folder, locales, capsys)
    assert (code, lines) == (
        1,
        [f"{distress}:-:-: en.toml:violence: needs a non-empty 'words' list"],
    )
