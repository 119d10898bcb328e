"""Settings and the command line, run as a person would: one clear line, exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
CURRICULA = Path(__file__).parent / "data" / "curricula"


def foyer(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd or ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("FOYER_TICK_SECONDS", "soon", "FOYER_TICK_SECONDS"),
        ("FOYER_TICK_SECONDS", "-1", "FOYER_TICK_SECONDS"),
        ("FOYER_GRACE_HOURS", "x", "FOYER_GRACE_HOURS"),
        ("FOYER_ADMIN_IDS", "12,abc", "FOYER_ADMIN_IDS"),
        ("FOYER_DEFAULT_LANGUAGE", "de", "FOYER_DEFAULT_LANGUAGE"),
        ("FOYER_BOT_TOKEN", "not-a-token", "FOYER_BOT_TOKEN"),
        ("FOYER_DATABASE_URL", "foyer.db", "FOYER_DATABASE_URL"),
        ("FOYER_BOT_API_URL", "ftp://x", "FOYER_BOT_API_URL"),
        ("FOYER_CONTENT_DIR", "/no/such/folder", "FOYER_CONTENT_DIR"),
        ("FOYER_LANGUAGE_FALLBACKS", "bm-fr", "FOYER_LANGUAGE_FALLBACKS"),
    ],
)
def test_bad_setting_is_one_line_and_exit_2(
    name: str, value: str, needle: str, tmp_path: Path
) -> None:
    result = foyer("group", "list", env={name: value}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_settings_parse_lists_and_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOYER_ADMIN_IDS", "12, 34")
    monkeypatch.setenv("FOYER_LANGUAGE_FALLBACKS", "bm:fr,fr:en")
    s = load_settings(_env_file=None)
    assert s.admin_ids == frozenset({12, 34})
    assert s.language_fallbacks == {"bm": "fr", "fr": "en"}


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("FOYER_GRACE_HOURS=6\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().grace_hours == 6


def test_run_without_token_explains_botfather(tmp_path: Path) -> None:
    result = foyer("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_token_error_text() -> None:
    with pytest.raises(SettingsError, match="FOYER_BOT_TOKEN"):
        load_settings(_env_file=None, bot_token=None).token_or_raise()


def test_help_of_every_command() -> None:
    for args in (
        [],
        ["run"],
        ["db"],
        ["db", "upgrade"],
        ["group"],
        ["group", "create"],
        ["group", "list"],
        ["group", "show"],
        ["group", "revoke-invite"],
        ["group", "import"],
    ):
        result = foyer(*args, "--help")
        assert result.returncode == 0, (args, result.stderr)
        assert "usage: foyer" in result.stdout


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "FOYER_CONTENT_DIR": str(CURRICULA),
    }


def _next_thursday() -> str:
    today = datetime.now(UTC).date() + timedelta(days=2)
    return (today + timedelta(days=(3 - today.weekday()) % 7)).isoformat()


def test_group_commands_end_to_end(tmp_path: Path) -> None:
    env = _env(tmp_path)
    refused = foyer("group", "list", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "foyer db upgrade" in refused.stderr
    assert foyer("db", "upgrade", env=env, cwd=tmp_path).returncode == 0

    created = foyer(
        "group",
        "create",
        "--name",
        "Kati Men",
        "--curriculum",
        "tiny-4",
        "--timezone",
        "Africa/Bamako",
        "--meets",
        "thu 17:00",
        "--starts",
        _next_thursday(),
        "--guide-hours",
        "48",
        "--json",
        env=env,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    info = json.loads(created.stdout)
    code = info["invite_code"]
    assert 16 <= len(code) <= 64 and info["invite_link"] is None

    shown = json.loads(foyer("group", "show", str(info["id"]), "--json", env=env).stdout)
    assert shown["delivers"] == "fri 09:00"  # the day after the meeting, 09:00
    assert shown["guide_hours"] == 48  # the discussion guide two days before each meeting
    assert shown["country"] == "ML"  # read off the timezone, for the help resources
    assert shown["members"] == 0 and shown["current_week"] == 0
    assert shown["next_delivery"].endswith("09:00+00:00")

    renewed = foyer("group", "revoke-invite", str(info["id"]), env=env)
    assert renewed.returncode == 0 and code not in renewed.stdout
    shown = json.loads(foyer("group", "show", str(info["id"]), "--json", env=env).stdout)
    assert shown["invite_code"] != code

    listed = json.loads(foyer("group", "list", "--json", env=env).stdout)
    assert [g["name"] for g in listed] == ["Kati Men"]
    missing = foyer("group", "show", "99", env=env)
    assert missing.returncode == 2 and "no group 99" in missing.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--timezone", "Mars/Base"], "IANA"),
        (["--meets", "someday 17:00"], "weekday"),
        (["--curriculum", "nope"], "curriculum"),
        (["--starts", "2020-01-02"], "past"),
        (["--starts", "03/12/2026"], "YYYY-MM-DD"),
        (["--language", "de"], "language"),
        (["--country", "Mali"], "country"),
    ],
)
def test_group_create_rejects_bad_values(tmp_path: Path, args: list[str], needle: str) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    base = {
        "--name": "G",
        "--curriculum": "tiny-4",
        "--timezone": "Africa/Bamako",
        "--meets": "thu 17:00",
        "--starts": _next_thursday(),
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for kv in base.items() for x in kv]
    result = foyer("group", "create", *flat, env=env)
    assert result.returncode == 2
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert json.loads(foyer("group", "list", "--json", env=env).stdout) == []


def test_csv_import_is_all_or_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    thu = _next_thursday()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,curriculum,timezone,meets,delivers,starts,language\n"
        f"Kati,tiny-4,Africa/Bamako,thu 17:00,,{thu},fr\n"
        f"Managua,tiny-4,America/Managua,thu 18:00,fri 08:00,{thu},xx\n"
    )
    result = foyer("group", "import", str(bad), env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "foyer: line 3: language: must be one of en, fr, es, bm"
    assert json.loads(foyer("group", "list", "--json", env=env).stdout) == []

    good = tmp_path / "good.csv"
    good.write_text(bad.read_text().replace(",xx", ",es"))
    result = foyer("group", "import", str(good), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert [g["name"] for g in json.loads(result.stdout)] == ["Kati", "Managua"]


def test_csv_import_bad_header(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    f = tmp_path / "x.csv"
    f.write_text("name,colour\nA,red\n")
    result = foyer("group", "import", str(f), env=env)
    assert result.returncode == 2 and result.stderr.startswith("foyer: line 1:")


def test_partner_contact_commands(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    created = foyer(
        "group",
        "create",
        "--name",
        "Kati",
        "--curriculum",
        "tiny-4",
        "--timezone",
        "Africa/Bamako",
        "--meets",
        "thu 17:00",
        "--starts",
        _next_thursday(),
        "--json",
        env=env,
    )
    gid = json.loads(created.stdout)["id"]
    invited = foyer("partner-contact", "invite", "--group", str(gid), "--json", env=env)
    assert invited.returncode == 0 and json.loads(invited.stdout)["group"] == gid
    missing = foyer("partner-contact", "invite", "--group", "99", env=env)
    assert missing.returncode == 2 and "no group 99" in missing.stderr
    assert json.loads(foyer("partner-contact", "list", "--json", env=env).stdout) == []
    unknown = foyer("partner-contact", "revoke", "12345", env=env)
    assert unknown.returncode == 2 and "not an active partner contact" in unknown.stderr
