"""What the command line says about its inputs and its surroundings: the invite link when
Telegram cannot be asked, CSV files from spreadsheets, and values it used to accept silently."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date

from bot.emulator import BotAPIEmulator
from tests.test_settings_and_cli import CURRICULA, _next_thursday, foyer


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "FOYER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "FOYER_CONTENT_DIR": str(CURRICULA),
        **more,
    }


def _create(env: dict[str, str], *extra: str, name: str = "Kati Men"):
    return foyer(
        "group",
        "create",
        "--name",
        name,
        "--curriculum",
        "tiny-4",
        "--timezone",
        "Africa/Bamako",
        "--meets",
        "thu 17:00",
        "--starts",
        _next_thursday(),
        *extra,
        env=env,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_invite_links_say_why_telegram_could_not_name_the_bot(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    env = _env(tmp_path, FOYER_BOT_TOKEN="123456:TEST", FOYER_BOT_API_URL=url)
    assert foyer("db", "upgrade", env=env).returncode == 0
    created = _create(env)
    invited = foyer("facilitator", "invite", env=env)
    renewed = foyer("group", "revoke-invite", "1", env=env)
    for result in (created, invited, renewed):
        assert result.returncode == 0, result.stderr
        assert "set FOYER_BOT_TOKEN" not in result.stdout  # the token is set: not the reason
        assert f"(the bot username is unknown: cannot reach the Bot API at {url} (" in (
            result.stdout
        )
        assert "The link is https://t.me/<bot username>?start=<invite code>." in result.stdout


async def test_invite_link_names_a_refused_token(tmp_path: Path) -> None:
    async with BotAPIEmulator() as emu:
        api = emu.base_url.removesuffix("/bot")
        env = _env(tmp_path, FOYER_BOT_TOKEN="123456:WRONG", FOYER_BOT_API_URL=api)
        assert (await asyncio.to_thread(foyer, "db", "upgrade", env=env)).returncode == 0
        created = await asyncio.to_thread(_create, env)
    assert created.returncode == 0, created.stderr
    assert (
        f"(the bot username is unknown: the Bot API at {api} does not accept FOYER_BOT_TOKEN; "
        "check the token (@BotFather))"
    ) in created.stdout
    assert "WRONG" not in created.stdout


def test_without_a_token_the_link_asks_for_one(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    created = _create(env)
    assert "(needs the bot username: set FOYER_BOT_TOKEN)" in created.stdout
    assert json.loads(_create(env, "--json", name="B").stdout)["invite_link"] is None


def _thursday_text() -> str:
    return format_date(date.fromisoformat(_next_thursday()), "EEEE d MMMM y", locale="en")


def test_create_echoes_the_times_as_understood(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    result = foyer(
        "group", "create", "--name", "Kati", "--curriculum", "tiny-4",
        "--timezone", "Africa/Bamako", "--meets", "thu 5:00", "--starts", _next_thursday(),
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        f"  meets: every Thursday at 05:00 (Africa/Bamako), first on {_thursday_text()}\n"
        "  messages: every Friday at 09:00\n"
    ) in result.stdout


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("XX", "'XX' is not an ISO 3166 country code, such as ML for Mali, NI for Nicaragua"),
        ("Mali", "'Mali' is not an ISO 3166 country code; the code of Mali is ML"),
        ("Inde", "the code of India is IN"),  # a French name
        ("Burkina", "did you mean BF (Burkina Faso)"),
        ("EU", "'EU' is not an ISO 3166 country code"),  # a CLDR region, not a country
    ],
)
def test_country_is_checked_against_iso_3166(tmp_path: Path, given: str, said: str) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    result = _create(env, "--country", given)
    assert result.returncode == 2
    assert result.stderr.startswith("foyer: country: ") and said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(foyer("group", "list", "--json", env=env).stdout) == []


def test_country_code_in_lower_case_is_accepted(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    gid = json.loads(_create(env, "--country", "sn", "--json").stdout)["id"]
    shown = json.loads(foyer("group", "show", str(gid), "--json", env=env).stdout)
    assert shown["country"] == "SN"


def test_a_second_group_of_the_same_name_is_noted(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    first = _create(env, name="Kati Men")
    assert first.returncode == 0 and first.stderr == ""
    second = _create(env, name="kati men ")
    assert second.returncode == 0, second.stderr
    assert second.stderr.strip() == (
        "foyer: note: group 2 is called 'kati men', as group 1 is; "
        "people tell groups apart by their names"
    )
    header = "name,curriculum,timezone,meets,starts\n"
    row = f"Segou,tiny-4,Africa/Bamako,thu 17:00,{_next_thursday()}\n"
    f = tmp_path / "twins.csv"
    f.write_text(header + row + row)
    imported = foyer("group", "import", str(f), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "group 4 is called 'Segou', as group 3 is" in imported.stderr


def _import(tmp_path: Path, data: bytes):
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    f = tmp_path / "groups.csv"
    f.write_bytes(data)
    result = foyer("group", "import", str(f), "--json", env=env)
    listed = json.loads(foyer("group", "list", "--json", env=env).stdout)
    return result, [g["name"] for g in listed]


def _french_excel(sep: str = ";") -> str:
    thu = _next_thursday()
    return (
        sep.join(("name", "curriculum", "timezone", "meets", "starts", "language")) + "\r\n"
        + sep.join(("Kâti Hommes", "tiny-4", "Africa/Bamako", "jeu 17:00", thu, "fr")) + "\r\n"
        + sep.join(("Ségou", "tiny-4", "Africa/Bamako", "jeu 18:00", thu, "fr")) + "\r\n"
    )  # fmt: skip


def test_csv_from_french_excel_semicolons_and_windows_1252(tmp_path: Path) -> None:
    result, names = _import(tmp_path, _french_excel().encode("cp1252"))
    assert result.returncode == 0, result.stderr
    assert names == ["Kâti Hommes", "Ségou"]
    assert result.stderr.strip() == (
        f"foyer: note: {tmp_path / 'groups.csv'} is not UTF-8 and was read as Windows-1252: "
        "check the names above (save it as 'CSV UTF-8' to be sure)"
    )


@pytest.mark.parametrize("sep", [";", "\t", ","])
def test_csv_utf8_with_a_byte_order_mark_and_any_separator(tmp_path: Path, sep: str) -> None:
    result, names = _import(tmp_path, _french_excel(sep).encode("utf-8-sig"))
    assert result.returncode == 0, result.stderr
    assert names == ["Kâti Hommes", "Ségou"] and result.stderr == ""


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            "name,curriculum,timezone,meets,starts\n"
            f'"Kati,tiny-4,Africa/Bamako,thu 17:00,{_next_thursday()}\n'
            f"Segou,tiny-4,Africa/Bamako,thu 17:00,{_next_thursday()}\n",
            'line 2: the quote (") that opens the name value is never closed: '
            "close it, or take it out",
        ),
        (
            "name;curriculum;timezone;meets;starts\n"
            f"Kati;tiny-4;Africa/Bamako;thu 17:00;{_next_thursday()}\n"
            f'Segou;tiny-4;"Africa/Bamako;thu 17:00;{_next_thursday()}\n',
            'line 3: the quote (") that opens the timezone value is never closed',
        ),
        (
            "name,curriculum,timezone,meets,starts\n"
            f"Kati, Mali,tiny-4,Africa/Bamako,thu 17:00,{_next_thursday()}\n",
            "line 2: 6 values for 5 columns: a value that holds ',' must be in quotes",
        ),
        (
            "name;curriculum;timezone;meets;starts;country\n"
            f"Kati;tiny-4;Africa/Bamako;thu 17:00;{_next_thursday()};Mali\n",
            "line 2: country: 'Mali' is not an ISO 3166 country code; the code of Mali is ML",
        ),
    ],
)
def test_csv_errors_say_what_to_fix(tmp_path: Path, data: str, said: str) -> None:
    result, names = _import(tmp_path, data.encode())
    assert result.returncode == 2 and names == []
    assert result.stderr.startswith(f"foyer: {said}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_csv_that_is_no_text_says_how_to_save_it(tmp_path: Path) -> None:
    result, names = _import(tmp_path, bytes(range(256)) * 4)
    assert result.returncode == 2 and names == []
    assert result.stderr.strip() == (
        f"foyer: {tmp_path / 'groups.csv'}: cannot read: it is neither UTF-8 nor Windows-1252 "
        "text; in Excel or LibreOffice, save it as 'CSV UTF-8'"
    )


def test_starts_next_is_the_next_meeting_day_after_today(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    result = foyer(
        "group", "create", "--name", "Kati", "--curriculum", "tiny-4",
        "--timezone", "Africa/Bamako", "--meets", "thu 17:00", "--starts", "next", "--json",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    today = datetime.now(UTC).date()
    starts = date.fromisoformat(json.loads(result.stdout)["starts"])
    assert starts.weekday() == 3 and today < starts <= today + timedelta(days=7)


# ----- a group's region, for the programme report: given at creation or in the CSV -------------


def _regions(env: dict[str, str]) -> list[tuple[str, str | None]]:
    listed = json.loads(foyer("group", "list", "--json", env=env).stdout)
    return [(g["name"], g["region"]) for g in listed]


def test_region_given_at_creation_is_tidied_stored_and_echoed(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    created = _create(env, "--region", "  Ségou   Nord ")
    assert created.returncode == 0, created.stderr
    assert "  region: Ségou Nord\n" in created.stdout  # as understood, like the times
    refused = _create(env, "--region", "Kayes\x07", name="Kayes Men")
    assert (refused.returncode, refused.stderr) == (
        2,
        "foyer: region: plain text only, no control characters\n",
    )
    unset = _create(env, "--region", "   ", "--json", name="Nioro Men")
    assert json.loads(unset.stdout)["region"] is None  # only spaces: no region
    assert _regions(env) == [("Kati Men", "Ségou Nord"), ("Nioro Men", None)]


def test_csv_region_column_is_optional_and_a_bad_one_creates_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    foyer("db", "upgrade", env=env)
    thu = _next_thursday()
    head = "name;curriculum;timezone;meets;starts"
    given = tmp_path / "given.csv"
    given.write_text(
        f"{head};region\n"
        f"Kati;tiny-4;Africa/Bamako;thu 17:00;{thu}; Koulikoro \n"
        f"Segou;tiny-4;Africa/Bamako;thu 18:00;{thu};\n"
    )
    result = foyer("group", "import", str(given), env=env)
    assert result.returncode == 0, result.stderr
    assert "  region: Koulikoro\n" in result.stdout
    absent = tmp_path / "absent.csv"
    absent.write_text(f"{head}\nNioro;tiny-4;Africa/Bamako;thu 17:00;{thu}\n")
    assert foyer("group", "import", str(absent), env=env).returncode == 0
    before = [("Kati", "Koulikoro"), ("Segou", None), ("Nioro", None)]
    assert _regions(env) == before

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{head};region\n"
        f"Kita;tiny-4;Africa/Bamako;thu 17:00;{thu};Kayes\n"
        f"Diema;tiny-4;Africa/Bamako;thu 17:00;{thu};{'x' * 81}\n"
    )
    result = foyer("group", "import", str(bad), env=env)
    assert (result.returncode, result.stderr) == (
        2,
        "foyer: line 3: region: at most 80 characters (81 given)\n",
    )
    assert _regions(env) == before  # not even the good first line
