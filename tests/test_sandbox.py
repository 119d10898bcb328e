"""The offline sandbox: the shipped demo scripts, script errors, the terminal chat over a pipe."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.sandbox import script
from bot.sandbox.personas import Persona, parse_persona, persona_of
from bot.sandbox.session import open_sandbox
from bot.sandbox.terminal import Terminal, plain, wants_colour
from bot.sandbox.world import Options, database_url
from bot.storage import migrate

ROOT = Path(__file__).resolve().parent.parent
DEMOS = ROOT / "conversations"
MEMBER_1, MEMBER_2, FACILITATOR, FOCAL = 100001, 100002, 300001, 500001


def _foyer(*args: str, stdin: str, cwd: Path, env: dict[str, str] | None = None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    full.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=90,
    )


async def _play(path: Path, db: Path, lang: str) -> str:
    """Play a script in-process, as `foyer sandbox --script` does; returns what it printed."""
    url = database_url(db)
    migrate.upgrade(url)
    out = io.StringIO()
    term = Terminal(out, colour=False)
    async with open_sandbox(Options(database_url=url, lang=lang), term) as sandbox:
        sandbox.banner(interactive=False)
        for line in script.load_script(path):
            assert await sandbox.perform(line.action), line
    return out.getvalue()


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql).fetchall())


# --- the shipped demos -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "lang"), [("demo.sandbox", "en"), ("demo.fr.sandbox", "fr")])
async def test_shipped_demo_walks_two_weeks(name: str, lang: str, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    out = await _play(DEMOS / name, db, lang)

    # Key moments, read from what Foyer really did (language-independent).
    members = _rows(db, "SELECT role, status FROM membership WHERE role = 'member' ORDER BY id")
    assert members == [("member", "active"), ("member", "paused"), ("member", "active")]
    partners = _rows(
        db,
        "SELECT p.telegram_id FROM membership m JOIN person p "
        "ON p.id = m.person_id WHERE m.role = 'partner'",
    )
    assert partners == [(200001,)]
    assert _rows(db, f"SELECT language FROM person WHERE telegram_id = {MEMBER_1}") == [(lang,)]
    sent = set(_rows(db, "SELECT kind, week, chat_id FROM outbox WHERE status = 'sent'"))
    for kind, week in [("prompt", 1), ("checkin", 1), ("prompt", 2), ("checkin", 2)]:
        assert (kind, week, MEMBER_1) in sent, (kind, week)
    assert ("reminder_24h", 1, MEMBER_1) in sent
    assert ("reminder_1h", 1, MEMBER_1) in sent
    assert ("guide", 1, FACILITATOR) in sent
    assert ("guide", 2, FACILITATOR) in sent
    assert ("session_ask", 1, FACILITATOR) in sent
    broadcasts = _rows(
        db, "SELECT chat_id FROM outbox WHERE kind = 'broadcast' AND status = 'sent'"
    )
    assert sorted(broadcasts) == [(MEMBER_1,), (MEMBER_2,), (100003,)]
    assert _rows(db, "SELECT week, held, attendance FROM session_log") == [(1, 1, 3), (2, 1, 3)]
    answers = _rows(
        db,
        "SELECT p.telegram_id, c.week, c.value FROM checkin c "
        "JOIN membership m ON m.id = c.membership_id JOIN person p ON p.id = m.person_id",
    )
    assert sorted(answers) == [
        (MEMBER_1, 1, "done"),
        (MEMBER_1, 2, "done"),
        (MEMBER_2, 1, "partly"),
    ]
    assert "Traceback" not in out

    if lang == "en":  # the transcript, as a newcomer reads it
        for moment in [
            "[member 1] <- Foyer (edited):\n    Welcome to Sandbox group!",
            "Reminder: your group meets tomorrow",
            "Reminder: your group meets in one hour",
            "[facilitator] <- Foyer:\n    Discussion guide, week 1: Our group agreement",
            "[member 1] <- Foyer:\n    Week 1: Our group agreement",
            "Sandbox group, week 1: did the session take place?",
            "[member 1] <- Foyer:\n    Message from your facilitator\n\n    Next Thursday we meet",
            "How did it go?\n    [1] ✅ Done  [2] 🌓 Partly  [3] ⏳ Not yet",
            "[member 1] -> [1] ✅ Done",
            "Well done!",
            "[member 2] -> [2] 🌓 Partly",
            "[member 3] -> [voice note, 12 s]",
            "[member 3] -> [photo] our yard, swept",
            "Week 2: The man box",
        ]:
            assert moment in out, moment


def test_demo_script_through_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--script", "demo"]) == 0
    printed = capsys.readouterr()
    assert "Week 1: Our group agreement" in printed.out
    assert "(now: " in printed.out
    assert printed.err == ""


def test_a_proxy_in_the_environment_does_not_stop_the_sandbox(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A trainer's laptop behind a company proxy: the sandbox's Bot API is on this machine,
    reached directly (before, every call went to the proxy and the sandbox died)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert main(["sandbox", "--script", "demo"]) == 0
    assert "Week 1: Our group agreement" in capsys.readouterr().out


async def test_a_concern_reaches_the_focal_point_persona(tmp_path: Path) -> None:
    path = tmp_path / "concern.sandbox"
    path.write_text(
        ":join\n/concern\n2\n3\n1\n"  # a complaint, about the programme, anonymous
        "The meetings start too late for men who work in the fields.\n"
        ":advance 10m\n:as focal\n1\n"
    )
    db = tmp_path / "concern.db"
    out = await _play(path, db, "en")
    assert "(focal has 1 new message: :as focal to read)" in out
    assert "(you are now focal: Fatoumata, Telegram id 500001)" in out
    assert "[focal] <- Foyer:\n    1 new concern" in out
    assert "The meetings start too late" in out.split("[focal] -> [1] Open")[1]  # she reads it
    sent = _rows(db, "SELECT kind, chat_id FROM outbox WHERE status = 'sent'")
    assert ("concerns_new", FOCAL) in sent


async def test_the_admin_persona_has_her_menu_from_the_start(tmp_path: Path) -> None:
    """Her chat exists before Foyer starts, so her command menu is set (before, the start
    logged menus.not_set for a chat the emulator did not know)."""
    term = Terminal(io.StringIO(), colour=False)
    url = database_url(tmp_path / "menu.db")
    migrate.upgrade(url)
    async with open_sandbox(Options(database_url=url, lang="en"), term) as sandbox:
        admin = parse_persona("admin").user_id
        assert "programme" in [c["command"] for c in sandbox.emu.menu_for(admin, "en")]
        assert [c.status for c in sandbox.emu.calls("setMyCommands") if c.status != 200] == []


async def test_typed_number_no_button_has_is_sent_as_text(tmp_path: Path) -> None:
    url = database_url(tmp_path / "typed.db")
    migrate.upgrade(url)
    out = io.StringIO()
    async with open_sandbox(Options(database_url=url), Terminal(out, colour=False)) as sandbox:
        sandbox.interactive = True  # as in the terminal chat
        await sandbox.perform(script.Say("/start {invite}"))  # four language buttons
        await sandbox.perform(script.Press(25))
        said = [m.text for m in sandbox.emu.history(MEMBER_1) if not m.from_bot]
    printed = out.getvalue()
    assert "\n! " not in printed  # no problem reported
    assert "(no button 25: sent as text, as :say 25 does)\n[member 1] -> 25\n" in printed
    assert said[-1] == "25"


def test_files_foyer_sends_are_saved_in_the_folder_the_banner_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "files.sandbox"
    path.write_text(
        ":files\n:join\n:as member 2\n:join\n:as member 3\n:join\n:next-week\n"
        ":as facilitator\n/report\n:as member 1\n/mydata\n:files\n"
    )
    db = tmp_path / "kept.db"
    assert main(["sandbox", "--db", str(db), "--script", str(path)]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "kept-files"
    chart, mydata = folder / "001-facilitator-report.png", folder / "002-member1-foyer-my-data.json"
    assert f"Files Foyer sends (charts, CSV exports, /mydata) are saved in {folder}" in out
    assert f"(no files yet: they go to {folder})" in out
    assert f"[photo, saved as {chart}]" in out
    assert f"[document, saved as {mydata}]" in out
    assert out.endswith(f"  {chart}\n  {mydata}\n")  # :files
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert json.loads(mydata.read_text(encoding="utf-8"))  # the member's own data, readable


def test_the_sandbox_speaks_the_language_of_lang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fr.sandbox"
    path.write_text(":join\n:help\n:now\n:as member 2\n:advance 1h\n")
    assert main(["sandbox", "--lang", "fr", "--script", str(path)]) == 0
    out = capsys.readouterr().out
    for french in [
        "── Bac à sable Foyer ──",
        "Telegram est simulé sur cet ordinateur\u00a0: pas de jeton de bot",
        "Groupe de démonstration\u00a0: Groupe d'essai, Africa/Bamako.",
        # {invite}, said in plain words
        "Dans ce que vous tapez, {invite} remplace ce code\u00a0: /start {invite} est ce "
        "qu'envoie le téléphone d'un homme quand il ouvre le lien d'invitation du groupe.",
        "(maintenant\u00a0: mar. ",  # the clock line, through babel: a Tuesday, 08:00
        "Bienvenue dans Groupe d'essai\u00a0!",  # the demo group's name, translated
        "Écrivez comme la personne que vous jouez",  # :help
        "\u00a0; Groupe d'essai se réunit le jeudi à 17:00, semaine 0 sur 12)",  # :now
        "(vous êtes maintenant member 2\u00a0: Bakary, identifiant Telegram 100002)",
    ]:
        assert french in out, french
    assert re.search(r"\n\(il est maintenant mar\. \d+ \S+ \d{4}, 09:00, Africa/Bamako\)\n", out)
    for english in ("Demo group", "Sandbox group", "(now:", "Type as the person", "(you are"):
        assert english not in out, english


# --- script errors: one line with the place, exit 2 --------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (":as member 1\n/help\n:as chief\n", 3, "unknown person 'chief'"),
        ("# time\n\n:advance 3x\n", 3, "bad time '3x'"),
        (":advance 0d\n", 1, "bad time '0d': time only moves forward"),
        (":as member 100\n", 1, "member 100: choose a number from 1 to 99"),
        (":dance\n", 1, "unknown command :dance"),
        (":lang de\n", 1, "bad language 'de'"),
        (":now please\n", 1, ":now takes nothing after it"),
    ],
)
def test_bad_line_is_reported_before_anything_runs(
    text: str, line: int, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.sandbox"
    path.write_text(text)
    assert main(["sandbox", "--script", str(path)]) == 2
    printed = capsys.readouterr()
    (error,) = printed.err.strip().splitlines()
    assert error.startswith(f"{path}:{line}: {problem}")
    assert printed.out == ""  # nothing was played


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            ":as member 1\n/progress\n1\n",
            3,
            "no buttons to press: member 1 has none on screen (to send 1 as text: :say 1)",
        ),
        (
            "/start {invite}\n9\n",
            2,
            "no button 9: Foyer's latest message with buttons has 1 to 4 "
            "(to send 9 as text: :say 9)",
        ),
    ],
)
def test_impossible_press_stops_the_script_at_its_line(
    text: str, line: int, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "press.sandbox"
    path.write_text(text)
    assert main(["sandbox", "--script", str(path)]) == 2
    printed = capsys.readouterr()
    assert printed.err.strip().splitlines() == [f"{path}:{line}: {problem}"]
    assert "<- Foyer:" in printed.out  # what came before the bad line was played


def test_missing_script_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--script", str(tmp_path / "nope.sandbox")]) == 2
    assert "no such script file" in capsys.readouterr().err


# --- the little language -----------------------------------------------------------------------


def test_lines_parse_into_actions() -> None:
    assert script.parse_line("  ") is None
    assert script.parse_line("# a note") is None
    assert script.parse_line("## Week 1") == script.Narrate("Week 1")
    assert script.parse_line("2") == script.Press(2)
    assert script.parse_line(":say 2") == script.Say("2")
    assert script.parse_line(":)") == script.Say(":)")  # a smile, not a command
    assert script.parse_line("/start {invite}") == script.Say("/start {invite}")
    assert script.parse_line(":As  Member   2") == script.As(Persona("member", 2))
    assert script.parse_line(":next-week") == script.Advance(timedelta(weeks=1))
    assert script.parse_line(":advance 1d12h") == script.Advance(timedelta(hours=36))
    assert script.parse_line(":advance 30m") == script.Advance(timedelta(minutes=30))
    assert script.parse_line(":voice") == script.Voice(5)
    assert script.parse_line(":photo the yard") == script.Photo("the yard")
    assert script.parse_line(":lang fr") == script.Lang("fr")
    with pytest.raises(script.ScriptError, match="bad voice note length"):
        script.parse_line(":voice long")
    with pytest.raises(script.ScriptError, match="at most 60 weeks"):
        script.parse_line(":advance 61w")


def test_personas_have_fixed_ids_and_names() -> None:
    assert parse_persona("facilitator") == Persona("facilitator", 1)
    assert parse_persona("partner").label == "partner"
    assert parse_persona("member 2").first_name == "Bakary"
    assert parse_persona("member 42").first_name == "Member42"
    assert parse_persona("focal") == Persona("focal", 1) and parse_persona("focal").label == "focal"
    for text in ("member 1", "member 99", "partner 3", "facilitator", "admin", "focal"):
        persona = parse_persona(text)
        assert persona_of(persona.user_id) == persona
    assert persona_of(5000) is None
    with pytest.raises(ValueError, match="unknown person"):
        parse_persona("member two")


def test_terminal_marks_and_colours() -> None:
    out = io.StringIO()
    term = Terminal(out, colour=True)
    assert term.render_html("<b>Week 1</b> &amp; more") == "\x1b[1mWeek 1\x1b[22m & more"
    assert plain(term.mark(Persona("member", 2))) == "[member 2]"
    assert Terminal(io.StringIO(), colour=False).render_html("<b>A</b> <i>b</i>") == "A b"
    assert not wants_colour(io.StringIO())  # not a terminal


# --- kept database -----------------------------------------------------------------------------


def test_kept_database_finds_the_group_and_people_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kept.db"
    first = tmp_path / "first.sandbox"
    first.write_text(":join\n:advance 4d\n")
    assert main(["sandbox", "--db", str(db), "--script", str(first)]) == 0
    assert "Week 1:" in capsys.readouterr().out
    second = tmp_path / "second.sandbox"
    second.write_text("/start\n:now\n")
    assert main(["sandbox", "--db", str(db), "--script", str(second)]) == 0
    out = capsys.readouterr().out
    assert "Welcome back" in out
    assert "week 1 of 12" in out  # the clock carried on where the planner stopped
    assert len(_rows(db, "SELECT id FROM 'group'")) == 1


@pytest.mark.parametrize("holds", ["a deployment with a group", "nothing yet", "an empty file"])
def test_refuses_every_database_it_did_not_create(
    holds: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "real.db"
    if holds == "an empty file":
        db.touch()
    else:
        migrate.upgrade(database_url(db))  # `foyer db upgrade`: no person, no staff
    if holds == "a deployment with a group":
        monkeypatch.setenv("FOYER_DATABASE_URL", database_url(db))
        monkeypatch.delenv("FOYER_BOT_TOKEN", raising=False)
        created = main(
            ["group", "create", "--name", "Real group", "--curriculum", "men-groups-12",
             "--timezone", "Africa/Bamako", "--meets", "thu 17:00", "--starts", "2030-01-03"]
        )  # fmt: skip
        assert created == 0
        capsys.readouterr()
    path = tmp_path / "s.sandbox"
    path.write_text(":now\n")
    before, files = db.read_bytes(), sorted(tmp_path.iterdir())
    assert main(["sandbox", "--db", str(db), "--script", str(path)]) == 2
    printed = capsys.readouterr()
    (error,) = printed.err.strip().splitlines()
    assert error == (
        f"foyer: {db.resolve()} was not created by the sandbox; the sandbox never writes to "
        "another database: give a new file name with --db, or leave --db out"
    )
    assert printed.out == ""
    assert db.read_bytes() == before  # not one byte written
    assert sorted(tmp_path.iterdir()) == files  # not even a lock file beside it


# --- the terminal chat, as a newcomer runs it ----------------------------------------------------


def test_terminal_chat_over_a_pipe(tmp_path: Path) -> None:
    result = _foyer(
        "sandbox",
        stdin="1\n1\n:as chief\n:advance soon\n:as facilitator\n/help\n:now\n",  # then EOF
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Welcome! Which language do you want Foyer to use?" in out  # member 1 opened the link
    assert "[member 1] -> [1] 🗣 English" in out
    assert "[member 1] -> [1] 📖 Read" in out
    assert "Before you join, please read this." in out
    assert "! unknown person 'chief'" in out  # a problem is shown and the chat goes on
    assert "! bad time 'soon'" in out
    assert "[facilitator] -> /help\n[facilitator] <- Foyer:" in out
    assert "/language" in out
    assert "(now: " in out
    assert "\x1b[" not in out  # no colours in a pipe
    assert "Traceback" not in result.stderr


def test_bare_foyer_without_a_token_opens_the_sandbox(tmp_path: Path) -> None:
    result = _foyer(stdin=":quit\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Foyer sandbox" in result.stdout
    assert "nobody real" in result.stdout


def test_bare_foyer_with_a_token_serves_telegram(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.commands.run

    seen: list[bool] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOYER_BOT_TOKEN", "123456:ABC")

    def fake_run(args: argparse.Namespace) -> int:
        seen.append(args.upgrade)
        return 0

    monkeypatch.setattr(bot.commands.run, "run", fake_run)
    assert main([]) == 0
    assert seen == [True]  # like `foyer run --upgrade`


def test_help_stays_light() -> None:
    probe = (
        "import sys, bot.cli; heavy = ('telegram', 'sqlalchemy', 'pydantic', 'alembic', "
        "'bot.sandbox'); print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert result.stdout.strip() == "[]"
    assert "--script FILE" in _foyer("sandbox", "--help", stdin="", cwd=ROOT).stdout
