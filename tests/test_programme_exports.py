"""The programme report's exports: the tidy CSV (bot/reports/programme_csv.py) and the DHIS2
data value set with its mapping file (bot/reports/dhis2.py, bot/reports/dhis2_mapping.py).

The report is built as the indicators engineer's builder builds it: a ProgrammeReport whose
tables are ``protect(Tables(...))`` of known counts, so every hidden count is known here and
each test can check it never leaves, neither as its value nor as a 0.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
from datetime import date
from pathlib import Path

import pytest

from bot.commands.errors import CliError
from bot.commands.output_files import write_all
from bot.domain.indicators import DEFINITIONS, PARTITIONS, Indicator, periods
from bot.domain.suppression import SHARED, TOTAL, Grid, Tables, protect
from bot.reports.dhis2 import HEADER, dhis2_period, render_dhis2
from bot.reports.dhis2_mapping import Dhis2Mapping, MappingError, load_mapping, problems
from bot.reports.programme import GroupInfo, ProgrammeReport
from bot.reports.programme_csv import (
    BOM,
    COLUMNS,
    TOTAL_PERIOD,
    delimiter_for,
    render_csv,
    spreadsheet_safe,
)
from tests import test_indicators as ti
from tests.test_settings_and_cli import foyer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "dhis2-mapping.toml"
MIN = 5

GROUPS = (
    GroupInfo(1, "Kati Men", "ML", "Koulikoro", "men-groups-12", "fr"),
    GroupInfo(2, '=HYPERLINK("http://x","Ségou")', "ML", "Ségou", "men-groups-12", "bm"),
    GroupInfo(3, "Couples de Ségou", "ML", "Ségou", "couples-8", "fr"),
    GroupInfo(4, "Kita", "ML", "Kayes", "men-groups-12", "bm"),
)
PROGRAMME = [i for i in Indicator if DEFINITIONS[i].audience == "programme"]


def _counts(indicator: Indicator, months: tuple[str, ...]) -> dict[tuple[str, str], int]:
    """Known counts: some small (hidden), some large; group 4 starts in the second period."""
    base = 3 + PROGRAMME.index(indicator) if indicator in PROGRAMME else 2
    out: dict[tuple[str, str], int] = {}
    for i, g in enumerate(GROUPS):
        for j, p in enumerate(months):
            if g.id == 4 and j == 0:
                continue  # not running yet: not applicable
            out[str(g.id), p] = (base + 7 * i + 5 * j) % 23
    return out


def _tables(indicator: Indicator, months: tuple[str, ...]) -> Tables:
    counts = _counts(indicator, months)
    rows = tuple(str(g.id) for g in GROUPS)
    partitions = {name: {str(g.id): getattr(g, name) for g in GROUPS} for name in PARTITIONS}
    languages = sorted({g.language for g in GROUPS})
    language_of = {str(g.id): g.language for g in GROUPS}
    side: dict[tuple[str, str], int] = {}
    for (row, p), n in counts.items():
        side[language_of[row], p] = side.get((language_of[row], p), 0) + n
    return Tables(
        Grid(rows, months, counts),
        partitions,
        {"language": Grid(tuple(languages), months, side)},
    )


def report(kind: str = "month", with_safeguarding: bool = False) -> ProgrammeReport:
    start, end = (date(2026, 10, 1), date(2026, 12, 31))
    if kind == "week":
        start, end = date(2026, 11, 23), date(2026, 12, 6)
    labels = periods(start, end, kind)  # type: ignore[arg-type]
    chosen = list(Indicator) if with_safeguarding else PROGRAMME
    return ProgrammeReport(
        start=start,
        end=end,
        country=None,
        period_kind=kind,  # type: ignore[arg-type]
        periods=labels,
        groups=GROUPS,
        min_count=MIN,
        tables={i: protect(_tables(i, labels), MIN) for i in chosen},
    )


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


# -- the tidy CSV ----------------------------------------------------------------------------


def test_the_csv_has_one_row_per_indicator_disaggregation_unit_and_period() -> None:
    r = report(with_safeguarding=True)
    data = render_csv(r, delimiter=";")
    assert data.decode("utf-8-sig").splitlines()[0] == ";".join(COLUMNS)
    got = _csv_rows(data)
    columns = [*r.periods, TOTAL]
    expected: dict[tuple[str, str, str, str], int | None] = {}
    for indicator in PROGRAMME:
        p = r.tables[indicator]
        for col in [*r.periods, TOTAL]:
            label = TOTAL_PERIOD[DEFINITIONS[indicator].whole] if col == TOTAL else col
            expected[indicator.value, "programme", "", label] = p.cells[SHARED, TOTAL, col]
            for g in GROUPS:
                expected[indicator.value, "group", str(g.id), label] = p.cells[
                    "groups", str(g.id), col
                ]
            for name, units in (
                ("country", ["ML"]),
                ("region", ["Kayes", "Koulikoro", "Ségou"]),
                ("curriculum", ["couples-8", "men-groups-12"]),
                ("language", ["bm", "fr"]),
            ):
                for unit in units:
                    expected[indicator.value, name, unit, label] = p.cells[name, unit, col]
    # 10 indicators x (1 + 4 groups + 1 country + 3 regions + 2 curricula + 2 languages) x 4
    assert len(got) == len(expected) == 10 * 13 * len(columns)
    seen = {}
    for row in got:
        key = (row["indicator"], row["disaggregation"], row["unit"], row["period"])
        if row["disaggregation"] == "group" and row["unit"] == "2":
            assert row["unit_name"].startswith("'=")  # the injection, defused (below)
        seen[key] = None if row["hidden"] == "true" else int(row["value"])
        assert row["hidden"] in ("true", "false")
        if row["hidden"] == "true":
            assert row["value"] == ""
    assert seen == expected
    # Safeguarding counts never leave in a programme export, even if a report held them.
    assert {row["indicator"] for row in got} == {i.value for i in PROGRAMME}
    # The protection is real: counts were hidden among groups and among regions.
    hidden = {k[1] for k, v in seen.items() if v is None}
    assert hidden >= {"group", "region"}
    # A group not yet running is a shown zero, not a hidden count.
    assert seen["enrolled", "group", "4", r.periods[0]] == 0


def test_a_hidden_count_never_appears_in_the_csv() -> None:
    r = report()
    text = render_csv(r, delimiter=",").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    hidden = [row for row in rows if row["hidden"] == "true"]
    assert hidden and all(row["value"] == "" for row in hidden)
    assert "<" not in text


def test_excel_in_french_and_spanish_splits_on_semicolons() -> None:
    assert delimiter_for("fr") == delimiter_for("es") == delimiter_for("bm") == ";"
    assert delimiter_for("en") == ","
    data = render_csv(report(), delimiter=";")
    # The byte-order mark Excel needs to read UTF-8, then accents intact.
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Ségou" in data.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("＝1+1", "'＝1+1"),
        ("Kati Men", "Kati Men"),
        ("Ségou = Koulikoro", "Ségou = Koulikoro"),
    ],
)
def test_formula_injection_is_written_as_text(name: str, written: str) -> None:
    assert spreadsheet_safe(name) == written
    region_named = GroupInfo(9, name, "ML", name, "men-groups-12", "fr")
    labels = ("2026-12",)
    t = Tables(
        Grid(("9", "10"), labels, {("9", "2026-12"): 7, ("10", "2026-12"): 8}),
        {"country": {"9": "ML", "10": "ML"}, "region": {"9": name, "10": "Kayes"},
         "curriculum": {"9": "men-groups-12", "10": "men-groups-12"}},
    )  # fmt: skip
    r = ProgrammeReport(
        date(2026, 12, 1), date(2026, 12, 31), None, "month", labels,
        (region_named, GroupInfo(10, "Kita", "ML", "Kayes", "men-groups-12", "fr")),
        MIN, {Indicator.ENROLLED: protect(t, MIN)},
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(render_csv(r).decode("utf-8-sig"), newline="")))
    assert {row["unit_name"] for row in rows if row["unit"] == "9"} == {written}
    assert {row["unit"] for row in rows if row["disaggregation"] == "region"} == {
        written,
        "Kayes",
    }


# -- DHIS2 -----------------------------------------------------------------------------------

UIDS = iter(f"Uid{n:08d}" for n in range(1000))


def _mapping_toml(level: str = "group", skip: tuple[str, ...] = ()) -> str:
    lines = [f'level = "{level}"', ""]
    for i in PROGRAMME:
        if i.value in skip:
            continue
        lines += [f"[indicators.{i.value}]", f'data_element = "{next(UIDS)}"', ""]
    lines.append("[org_units.groups]")
    lines += [f'{g.id} = "{next(UIDS)}"' for g in GROUPS]
    lines += ["", "[org_units.regions]"]
    lines += [f'"{r}" = "{next(UIDS)}"' for r in ("Kayes", "Koulikoro", "Ségou")]
    lines += ["", "[org_units.countries]", f'ML = "{next(UIDS)}"']
    return "\n".join(lines) + "\n"


def _mapping(tmp_path: Path, text: str) -> Dhis2Mapping:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def _dhis2_rows(data: bytes) -> list[list[str]]:
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == HEADER
    return rows[1:]


@pytest.mark.parametrize("level", ["group", "region", "country"])
def test_dhis2_rows_are_the_shown_counts_at_the_mapped_level(tmp_path: Path, level: str) -> None:
    r = report()
    m = _mapping(tmp_path, _mapping_toml(level))
    rows = _dhis2_rows(render_dhis2(r, m))
    table = {"group": "groups", "region": "region", "country": "country"}[level]
    element_of = {m.indicators[i.value].data_element: i for i in PROGRAMME}
    unit_of = {uid: unit for unit, uid in m.level_units().items()}
    got = {}
    for de, period, ou, coc, aoc, value in rows:
        assert (coc, aoc) == ("", "")  # DHIS2's default combos
        got[element_of[de], period, unit_of[ou]] = int(value)
    expected = {}
    for i in PROGRAMME:
        p = r.tables[i]
        for (t, unit, col), v in p.cells.items():
            if t == table and col != TOTAL and (t, unit, col) not in p.not_applicable:
                if v is not None:
                    expected[i, dhis2_period(col), unit] = v
    assert got == expected
    assert {period for _, period, *_ in rows} <= {"202610", "202611", "202612"}
    hidden = [
        (i, c)
        for i in PROGRAMME
        for c, v in r.tables[i].cells.items()
        if v is None and c[0] == table
    ]
    if level != "country":  # one country alone: its counts are the totals, all large here
        assert hidden  # so "absent" above really left rows out
    # A group not yet running sends nothing for that month (not reported, not 0).
    if level == "group":
        assert not [row for row in rows if row[2] == m.org_unit("4") and row[1] == "202610"]


def test_dhis2_periods_for_iso_weeks(tmp_path: Path) -> None:
    assert dhis2_period("2026-12") == "202612"
    assert dhis2_period("2026-W49") == "2026W49"
    assert dhis2_period("2027-W01") == "2027W1"  # DHIS2 writes weeks unpadded
    r = report("week")
    assert r.periods == ("2026-W48", "2026-W49")
    rows = _dhis2_rows(render_dhis2(r, _mapping(tmp_path, _mapping_toml("region"))))
    assert {row[1] for row in rows} == {"2026W48", "2026W49"}


def test_a_hidden_count_is_no_row_in_dhis2_never_a_zero(tmp_path: Path) -> None:
    r = report()
    m = _mapping(tmp_path, _mapping_toml("group"))
    rows = _dhis2_rows(render_dhis2(r, m))
    sent = {(row[0], row[1], row[2]) for row in rows}
    for i in PROGRAMME:
        de = m.indicators[i.value].data_element
        for (t, unit, col), v in r.tables[i].cells.items():
            if t == "groups" and col != TOTAL and v is None:
                assert (de, dhis2_period(col), m.org_unit(unit)) not in sent


def test_safeguarding_indicators_are_never_sent_to_dhis2(tmp_path: Path) -> None:
    r = report(with_safeguarding=True)
    text = _mapping_toml() + '\n[indicators.concerns]\ndata_element = "Concerns001"\n'
    m = _mapping(tmp_path, text)
    with pytest.raises(MappingError) as caught:
        render_dhis2(r, m)
    assert caught.value.problems == [
        "indicators.concerns: a safeguarding count, never sent to DHIS2: take it out"
    ]
    rows = _dhis2_rows(render_dhis2(r, _mapping(tmp_path, _mapping_toml())))
    assert "Concerns001" not in {row[0] for row in rows}
    assert len({row[0] for row in rows}) == len(PROGRAMME)


def test_leave_out_sends_an_indicator_nowhere(tmp_path: Path) -> None:
    text = _mapping_toml(skip=("checkin_partly",))
    text = 'leave_out = ["checkin_partly"]\n' + text
    m = _mapping(tmp_path, text)
    rows = _dhis2_rows(render_dhis2(report(), m))
    assert len({row[0] for row in rows}) == len(PROGRAMME) - 1


def test_every_mapping_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = _mapping_toml("region", skip=("enrolled", "attendance"))
    text = text.replace('"Koulikoro" = ', '"Koulikoroo" = ')  # a typing mistake
    text = text.replace(
        '[indicators.reached]\ndata_element = "', '[indicators.reached]\ndata_element = "9'
    )
    text += '\n[indicators.enroled]\ndata_element = "Abcdefghijk"\n'
    text = text.replace(
        "[indicators.partners]",
        '[indicators.partners]\ncategory_option_combo = "short"',
    )
    m = _mapping(tmp_path, text)
    found = problems(m, report())
    reached = m.indicators["reached"].data_element
    assert found == [
        "indicators.enroled: no such indicator (Foyer's are enrolled, reached, retained, "
        "checkin_answered, checkin_done, checkin_partly, checkin_notyet, meetings_held, "
        "attendance, partners)",
        "indicator enrolled: not mapped: add [indicators.enrolled] with its data_element, "
        "or list it in leave_out",
        "indicator attendance: not mapped: add [indicators.attendance] with its data_element, "
        "or list it in leave_out",
        f"indicators.reached.data_element: {reached!r} is not a UID (a DHIS2 UID is 11 "
        "letters or digits, the first a letter)",
        "indicators.partners.category_option_combo: 'short' is not a UID (a DHIS2 UID is 11 "
        "letters or digits, the first a letter)",
        "region Koulikoro: no org unit: add it under [org_units.regions]",
    ]


def test_units_without_a_level_and_shared_org_units_are_refused(tmp_path: Path) -> None:
    base = report()
    groups = (*GROUPS[:3], GroupInfo(4, "Kita", "ML", "", "men-groups-12", "bm"))
    r = dataclasses.replace(base, groups=groups)
    text = _mapping_toml("group").replace('3 = "', '3 = "Uid00000000"\nx3 = "', 1)
    text = text.replace(
        '[org_units.groups]\n1 = "', '[org_units.groups]\n1 = "Uid00000000"\nz = "', 1
    )
    m = _mapping(tmp_path, text)
    found = problems(m, r)
    assert "org_units.groups.x3: a group is named by its number (foyer group list)" in found
    assert "org_units.groups: 1 and 3 have the same org unit: DHIS2 would keep only one of " \
        "their values" in found  # fmt: skip
    m_region = _mapping(tmp_path, _mapping_toml("region"))
    assert problems(m_region, r) == [
        "group 4 has no region: give it one, or report at another level"
    ]
    unmapped = _mapping(tmp_path, _mapping_toml("group").replace("\n2 = ", "\nx2 = ", 1))
    assert f"group 2 ({GROUPS[1].name}): no org unit: add it under [org_units.groups]" in (
        problems(unmapped, r)
    )


def test_a_mapping_with_unknown_keys_is_refused(tmp_path: Path) -> None:
    text = _mapping_toml().replace('level = "group"', 'level = "district"\norgunit_level = 3')
    text = text.replace("[indicators.reached]\n", '[indicators.reached]\ndataelement = "x"\n')
    with pytest.raises(MappingError) as caught:
        _mapping(tmp_path, text)
    where = str(tmp_path / "mapping.toml")
    assert sorted(caught.value.problems) == [
        f"{where}: indicators.reached.dataelement: unknown key (a typing mistake?): take it "
        "out or correct it",
        f"{where}: level: must be group, region or country",
        f"{where}: orgunit_level: unknown key (a typing mistake?): take it out or correct it",
    ]


def test_a_mapping_that_is_not_toml_or_missing_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(tmp_path / "absent.toml")
    assert caught.value.problems == [f"{tmp_path / 'absent.toml'}: no such file"]
    with pytest.raises(MappingError) as caught:
        _mapping(tmp_path, "level = group\n")
    (line,) = caught.value.problems
    assert line.startswith(f"{tmp_path / 'mapping.toml'}: not valid TOML: ")


def test_the_documented_example_mapping_parses_and_covers_every_indicator() -> None:
    m = load_mapping(EXAMPLE)
    assert {*m.indicators, *m.leave_out} == {i.value for i in PROGRAMME}
    assert m.level == "region"
    docs = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").strip() in docs


# -- writing the files -----------------------------------------------------------------------


def test_outputs_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    csv_file, other = tmp_path / "programme.csv", tmp_path / ("d" * 250 + ".csv")
    # The second file cannot be written (its temporary name is too long for the file
    # system): the first, ready, is not published either, and nothing is left behind.
    with pytest.raises(CliError) as caught:
        write_all({csv_file: b"a,b\n", other: b"x\n"}, force=False)
    assert str(caught.value).startswith("could not write ")
    assert list(tmp_path.iterdir()) == []
    write_all({csv_file: b"a,b\n"}, force=False)
    with pytest.raises(CliError) as caught:
        write_all({csv_file: b"new\n", tmp_path / "new.csv": b"x\n"}, force=False)
    assert str(caught.value) == (
        f"{csv_file} exists: choose another name, or add --force to replace it"
    )
    assert csv_file.read_bytes() == b"a,b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.csv"]
    write_all({csv_file: b"new\n"}, force=True)
    assert csv_file.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.csv"]
    with pytest.raises(CliError) as caught:
        write_all({tmp_path / "nowhere" / "x.csv": b"", csv_file: b"", tmp_path: b""}, True)
    assert str(caught.value).splitlines() == [
        f"{tmp_path / 'nowhere' / 'x.csv'}: the folder {tmp_path / 'nowhere'} does not exist",
        f"{tmp_path} is a folder: give a file name",
    ]


# -- foyer report programme --csv --dhis2, on a seeded database ------------------------------

E2E_MIN = 3
E2E_REGIONS = {"Ségou": "SegouRegn01", "Kayes": "KayesRegn01", "Dakar": "DakarRegn01"}


def _e2e_mapping(path: Path, regions: dict[str, str], extra: str = "") -> Path:
    lines = ['level = "region"', 'leave_out = ["checkin_notyet"]', extra, ""]
    for n, i in enumerate(PROGRAMME):
        if i is not Indicator.CHECKIN_NOTYET:
            lines += [f"[indicators.{i.value}]", f'data_element = "DataElmt{n:03d}"', ""]
    lines.append("[org_units.regions]")
    lines += [f'"{name}" = "{uid}"' for name, uid in regions.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_the_command_writes_the_csv_and_the_dhis2_file(db_url: str, tmp_path: Path) -> None:
    f = ti.facts()
    await ti.seed(db_url, f)
    hand = ti.Hand(f, "month", ti.GROUPS, no_group=False).all()
    built = await ti.report_of(db_url, kind="month", min_count=E2E_MIN, audience="programme")
    out_csv, out_dhis2 = tmp_path / "programme.csv", tmp_path / "dhis2.csv"
    mapping = _e2e_mapping(tmp_path / "mapping.toml", E2E_REGIONS)
    args = ("report", "programme", "--from", "2026-01-01", "--to", "2026-06-30", "--lang", "fr")
    files = ("--csv", str(out_csv), "--dhis2", str(out_dhis2), "--mapping", str(mapping))
    env = ti._cli_env(db_url, E2E_MIN)
    done = await asyncio.to_thread(foyer, *args, *files, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"wrote {out_csv}", f"wrote {out_dhis2}"]

    # The CSV: each figure the hand count's, or hidden exactly where the report hides it.
    rows = _csv_rows(out_csv.read_bytes())  # French: ';' and a BOM
    tables = {"programme": SHARED, "group": "groups"}
    compared = hidden = 0
    for row in rows:
        indicator = Indicator(row["indicator"])
        table = tables.get(row["disaggregation"], row["disaggregation"])
        unit = TOTAL if row["disaggregation"] == "programme" else row["unit"]
        total = TOTAL_PERIOD[DEFINITIONS[indicator].whole]  # "total_once" for reached
        period = TOTAL if row["period"] == total else row["period"]
        shown = built.tables[indicator].cells[table, unit, period]
        if shown is None:
            assert (row["value"], row["hidden"]) == ("", "true")
            hidden += 1
        else:
            assert int(row["value"]) == hand[indicator].get((table, unit, period), 0)
            assert row["hidden"] == "false"
            compared += 1
    assert compared > 100 and hidden > 10
    assert {r["indicator"] for r in rows} == {i.value for i in PROGRAMME}

    # DHIS2: by region and month, the shown counts only.
    element = {f"DataElmt{n:03d}": i for n, i in enumerate(PROGRAMME)}
    region_of = {uid: name for name, uid in E2E_REGIONS.items()}
    sent = {}
    for de, period, ou, coc, aoc, value in _dhis2_rows(out_dhis2.read_bytes()):
        assert coc == aoc == ""
        label = f"{period[:4]}-{period[4:]}"
        sent[element[de], region_of[ou], label] = int(value)
        assert value == str(hand[element[de]].get(("region", region_of[ou], label), 0))
    expected = {
        (i, region, p)
        for i in PROGRAMME
        if i is not Indicator.CHECKIN_NOTYET
        for region in E2E_REGIONS
        for p in built.periods
        if built.tables[i].cells["region", region, p] is not None
        and ("region", region, p) not in built.tables[i].not_applicable
    }
    assert set(sent) == expected
    assert any(
        built.tables[i].cells["region", r, p] is None
        for i in PROGRAMME for r in E2E_REGIONS for p in built.periods
    )  # fmt: skip

    # Again: the files exist, refused before anything is counted; --force replaces them.
    again = await asyncio.to_thread(foyer, *args, *files, env=env)
    assert again.returncode == 2
    assert f"{out_csv} exists: choose another name, or add --force" in again.stderr
    assert f"{out_dhis2} exists" in again.stderr
    out_csv.write_bytes(b"old")
    forced = await asyncio.to_thread(foyer, *args, *files, "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert out_csv.read_bytes().startswith(BOM.encode("utf-8"))

    # The admins' view holds help and concerns; its CSV still does not, and says so.
    guarded = tmp_path / "guarded.csv"
    more = ("--safeguarding", "--csv", str(guarded))
    done = await asyncio.to_thread(foyer, *args, *more, env=env)
    assert done.returncode == 0, done.stderr
    assert f"{guarded}: help shown and concerns left out (never exported)" in done.stderr
    assert {r["indicator"] for r in _csv_rows(guarded.read_bytes())} == {i.value for i in PROGRAMME}


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("foyer.db-"))


async def test_a_mapping_that_does_not_fit_writes_no_file(db_url: str, tmp_path: Path) -> None:
    await ti.seed(db_url, ti.facts())
    out_csv, out_dhis2 = tmp_path / "programme.csv", tmp_path / "dhis2.csv"
    regions = {"Ségou": "SegouRegn01", "Kayes": "1nvalid"}  # Dakar left out
    mapping = _e2e_mapping(tmp_path / "mapping.toml", regions)
    text = mapping.read_text(encoding="utf-8").replace("[indicators.enrolled]\n", "", 1)
    mapping.write_text(text.replace('data_element = "DataElmt000"\n', ""), encoding="utf-8")
    done = await asyncio.to_thread(
        foyer,
        *("report", "programme", "--from", "2026-01-01", "--to", "2026-06-30"),
        *("--csv", str(out_csv), "--dhis2", str(out_dhis2), "--mapping", str(mapping)),
        env=ti._cli_env(db_url, E2E_MIN),
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"foyer: the DHIS2 mapping {mapping}: 3 problems to fix, no file written",
        "  indicator enrolled: not mapped: add [indicators.enrolled] with its data_element, "
        "or list it in leave_out",
        "  org_units.regions.Kayes: '1nvalid' is not a UID (a DHIS2 UID is 11 letters or "
        "digits, the first a letter)",
        "  region Dakar: no org unit: add it under [org_units.regions]",
    ]
    database = ["foyer.db"] if db_url.startswith("sqlite") else []
    assert _names(tmp_path) == [*database, "mapping.toml"]  # no CSV, no DHIS2 file
    # A missing --mapping is said before anything is counted.
    alone = foyer(
        *("report", "programme", "--from", "2026-01-01", "--to", "2026-06-30"),
        *("--dhis2", str(out_dhis2)),
        env=ti._cli_env(db_url, E2E_MIN),
    )
    assert alone.returncode == 2
    assert alone.stderr.strip() == "foyer: --dhis2 needs --mapping FILE"
