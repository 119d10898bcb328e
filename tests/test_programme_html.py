"""The programme report as one HTML file (bot/reports/programme_html.py), opened in a real
headless Chromium (Debian's package; .ci/run installs it): the page loads, shows the report's
totals and a hidden count as "–", logs nothing to the console, asks the network for nothing,
draws a screenshot that is not blank, and prints on A4.

How the browser is watched, with no DevTools client: `--enable-logging=stderr --v=0` writes
every console message (errors, CSP violations, uncaught exceptions) as a CONSOLE line; a
NetLog (`--log-net-log`) records every request the page asked for, even one that cannot
resolve (name resolution is off: `--host-resolver-rules=MAP * ~NOTFOUND`). Chromium's own
requests (updates, spelling dictionaries) are told from the page's by their isolation key.
A broken page proves the watch sees what it should (test_the_watch_sees_a_broken_page).

The reports are built by hand from protect(Tables(...)): the real input of the renderer.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from PIL import Image

from bot.domain.indicators import DEFINITIONS, Indicator, periods
from bot.domain.suppression import SHARED, TOTAL, Grid, Tables, protect
from bot.i18n import use_language
from bot.reports.programme import GroupInfo, ProgrammeReport
from bot.reports.programme_html import render_html
from bot.reports.programme_text import indicator_name, whole_note
from bot.storage import migrate
from tests import test_indicators as seeded  # its seeded database and hand count
from tests.test_settings_and_cli import foyer

MONTHS = ("2026-10", "2026-11", "2026-12")
GROUPS = (
    GroupInfo(1, 'Ségou <script>alert("x")</script> & Cie', "ML", "Ségou", "men-core", "fr"),
    GroupInfo(2, "Bamako Est", "ML", "Bamako", "men-core", "bm"),
    GroupInfo(3, "Kayes couples", "ML", "Kayes", "couples", "fr"),
    GroupInfo(4, "Sikasso", "ML", "Sikasso", "couples", "fr"),
)
# Members of each group per month; None: the group was not running (not applicable).
SIZE: dict[int, tuple[int | None, ...]] = {
    1: (400, 420, 440),
    2: (3, 30, 28),
    3: (40, 35, 30),
    4: (None, 12, 9),
}
SHARE = {
    Indicator.ENROLLED: 0.5,
    Indicator.REACHED: 0.9,
    Indicator.RETAINED: 1.0,
    Indicator.CHECKIN_ANSWERED: 0.6,
    Indicator.CHECKIN_DONE: 0.3,
    Indicator.CHECKIN_PARTLY: 0.2,
    Indicator.CHECKIN_NOTYET: 0.1,
    Indicator.MEETINGS_HELD: 0.02,
    Indicator.ATTENDANCE: 0.5,
    Indicator.PARTNERS: 0.1,
    Indicator.HELP_SHOWN: 0.05,
}
MIN_COUNT = 5
PROGRAMME = [i for i, d in DEFINITIONS.items() if d.audience == "programme"]


def raw_counts(indicator: Indicator, period_list: tuple[str, ...]) -> dict[tuple[str, str], int]:
    out = {}
    for g, sizes in SIZE.items():
        for k, p in enumerate(period_list):
            size = sizes[k % len(sizes)]
            if size is not None:
                out[str(g), p] = int(size * SHARE[indicator])
    return out


def tables(indicator: Indicator, period_list: tuple[str, ...]) -> Tables:
    counts = raw_counts(indicator, period_list)
    rows = tuple(str(g.id) for g in GROUPS)
    by_language: dict[tuple[str, str], int] = {}
    for g in GROUPS:  # each group's members speak its language
        for p in period_list:
            key = (g.language, p)
            by_language[key] = by_language.get(key, 0) + counts.get((str(g.id), p), 0)
    return Tables(
        Grid(rows, period_list, counts),
        partitions={
            "country": {str(g.id): g.country for g in GROUPS},
            "region": {str(g.id): g.region for g in GROUPS},
            "curriculum": {str(g.id): g.curriculum for g in GROUPS},
        },
        sides={"language": Grid(("bm", "fr"), period_list, by_language)},
    )


def monthly_report(indicators: list[Indicator] = PROGRAMME) -> ProgrammeReport:
    return ProgrammeReport(
        start=date(2026, 10, 1),
        end=date(2026, 12, 31),
        country=None,
        period_kind="month",
        periods=MONTHS,
        groups=GROUPS,
        min_count=MIN_COUNT,
        tables={i: protect(tables(i, MONTHS), MIN_COUNT) for i in indicators},
    )


# -- reading the page -----------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        found = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag and all(c.attrs.get(k) == v for k, v in attrs.items()):
                    found.append(c)
                found.extend(c.find_all(tag, **attrs))
        return found

    def by_id(self, ident: str) -> Node:
        for c in self.children:
            if isinstance(c, Node):
                if c.attrs.get("id") == ident:
                    return c
                try:
                    return c.by_id(ident)
                except KeyError:
                    pass
        raise KeyError(ident)


class TreeBuilder(HTMLParser):
    VOID = frozenset({"meta", "br", "link", "img", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.stack) - 1, 0, -1):
            if self.stack[k].tag == tag:
                del self.stack[k:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


def table_cells(table: Node) -> dict[tuple[str, str], str]:
    """(row head, column head) -> the cell's text."""
    heads = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    out = {}
    for tr in table.find_all("tbody")[0].find_all("tr"):
        cells = [c for c in tr.children if isinstance(c, Node)]
        for head, cell in zip(heads[1:], cells[1:], strict=True):
            out[cells[0].text(), head] = cell.text()
    return out


# -- the browser ----------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@dataclass
class Visit:
    dom: str
    console: list[str]  # every console message the page caused
    requests: list[str]  # every URL the page asked the network for


def visit(page: Path, out: Path, *extra: str) -> Visit:
    """Open ``page`` in headless Chromium with no network, and watch what it does."""
    netlog = out / "net.json"
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # networking off: no name resolves
        f"--user-data-dir={out / 'profile'}",
        f"--log-net-log={netlog}",
        *extra,
        page.as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    log = json.loads(netlog.read_text())
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    requests = [
        ev["params"]["url"]
        for ev in log["events"]
        if types[ev["type"]] == "URL_REQUEST_START_JOB"
        # a request made for the page (Chromium's own have no file:// isolation key)
        and "file://" in ev["params"].get("network_isolation_key", "")
    ]
    return Visit(done.stdout, console, requests)


def test_the_report_in_headless_chromium(tmp_path: Path) -> None:
    report = monthly_report()
    page = tmp_path / "report.html"
    page.write_text(render_html(report, "en"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    seen = visit(page, tmp_path, f"--screenshot={shot}", "--window-size=1100,1500", "--dump-dom")

    assert seen.console == []
    assert seen.requests == []

    with Image.open(shot) as image:
        assert image.size == (1100, 1500)
        grey = image.convert("L")
        histogram = grey.histogram()
    inked = sum(histogram[:200])  # pixels clearly darker than white: text, bars, borders
    assert inked > 0.02 * 1100 * 1500

    dom = parse(seen.dom)
    cards = {c.attrs["data-indicator"]: c for c in dom.find_all("div", **{"class": "card"})}
    assert set(cards) == {i.value for i in PROGRAMME}
    for indicator in PROGRAMME:
        total = report.total(indicator)
        big = cards[indicator.value].find_all("p")[0].text()
        if total is None:
            assert big == "–"
        else:
            assert total == sum(raw_counts(indicator, MONTHS).values())
            assert big == format_decimal(total, locale="en")
    reached = report.total(Indicator.REACHED)
    assert reached is not None and reached > 1000  # the thousands separator is shown
    assert format_decimal(reached, locale="en") in cards["reached"].text()

    # Bamako Est's three members in October: hidden, shown as "–", never as "<5".
    group = dom.by_id("group-2")
    cells = table_cells(group.find_all("table")[0])
    assert report.count(Indicator.REACHED, "groups", "2", "2026-10") is None
    with use_language("en"):
        reached_row = indicator_name(Indicator.REACHED) + " †"  # its total: men once
    assert cells[reached_row, "Oct 2026"] == "–"
    assert not re.search(r"<\s*\d", dom.by_id("groups").text())
    # A name typed by staff is text, not markup.
    assert dom.find_all("script") == []
    assert GROUPS[0].name in dom.by_id("group-1").find_all("h3")[0].text()
    # The charts drew a bar per shown count.
    chart = dom.by_id("chart-enrolled-reached")
    shown = sum(
        report.total(i, p) is not None
        for i in (Indicator.ENROLLED, Indicator.REACHED)
        for p in MONTHS
    )
    assert len([r for r in chart.find_all("rect") if r.find_all("title")]) == shown


def test_the_report_prints_on_a4_pages(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(monthly_report(), "fr"), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    seen = visit(page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert seen.console == [] and seen.requests == []
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes, "no page in the PDF"
    for width, height in boxes:  # A4: 210 x 297 mm = 595 x 842 points
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2
    # Every major section starts a page: the header, then six sections at least.
    assert len(boxes) >= 7


def test_the_watch_sees_a_broken_page(tmp_path: Path) -> None:
    """The same watch on a page that loads an image from the web and throws: both seen."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="https://example.org/logo.png">'
        '<script>throw new Error("broken")</script></body></html>',
        encoding="utf-8",
    )
    seen = visit(page, tmp_path, "--dump-dom")
    assert any("broken" in line for line in seen.console)
    assert seen.requests == ["https://example.org/logo.png"]


# -- the file itself ------------------------------------------------------------------------

# Whatever could make a browser fetch: an attribute naming a resource, a CSS url() or @import.
FETCHES = re.compile(
    r"""(?:\b(?:src|href|xlink:href|action|poster|srcset|data)\s*=\s*["']?(?P<attr>[^"'\s>]*))"""
    r"""|(?:url\(\s*["']?(?P<url>[^"')]*))|(?P<import>@import)""",
    re.IGNORECASE,
)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_file_names_nothing_outside_itself(language: str) -> None:
    html = render_html(monthly_report(), language)
    for match in FETCHES.finditer(html):
        assert match["import"] is None
        target = match["attr"] if match["attr"] is not None else match["url"]
        assert target.startswith(("#", "data:")), match.group(0)
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("://", "")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_the_report_speaks_the_readers_language() -> None:
    report = monthly_report()
    reached = report.total(Indicator.REACHED)
    assert reached is not None
    expected = {
        "en": ("Programme report", "Key numbers", "Oct 2026", "December 31, 2026"),
        "fr": ("Rapport du programme", "Chiffres clés", "oct. 2026", "31 décembre 2026"),
        "es": ("Informe del programa", "Cifras clave", "oct 2026", "31 de diciembre de 2026"),
    }
    for language, words in expected.items():
        html = render_html(report, language)
        assert f'<html lang="{language}"' in html
        for word in words:
            assert word in html, (language, word)
        assert format_decimal(reached, locale=language) in html


def test_hidden_counts_are_a_dash_wherever_the_tables_hide_them() -> None:
    report = monthly_report()
    dom = parse(render_html(report, "en"))
    heads = {"2026-10": "Oct 2026", "2026-11": "Nov 2026", "2026-12": "Dec 2026", "*": "Total"}
    hidden = 0
    for g in GROUPS:
        cells = table_cells(dom.by_id(f"group-{g.id}").find_all("table")[0])
        for indicator in PROGRAMME:
            with use_language("en"):
                name = indicator_name(indicator) + (" †" if whole_note(indicator) else "")
            for period, head in heads.items():
                value = report.count(indicator, "groups", str(g.id), period)
                text = cells[name, head]
                if value is None:
                    hidden += 1
                    assert text == "–"
                else:
                    assert text == format_decimal(value, locale="en")
    assert hidden > 0
    # Sikasso had not started in October: a zero, shown, in italics, and said why.
    sikasso = dom.by_id("group-4")
    assert [td.text() for td in sikasso.find_all("td", **{"class": "na"})][:1] == ["0"]
    assert "not running in that period" in sikasso.text()  # said why


def test_names_typed_by_staff_are_escaped() -> None:
    html = render_html(monthly_report(), "en")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie" in html


def test_safeguarding_counts_never_reach_the_report() -> None:
    """Help shown and concerns go to admins and focal points only, never to a donor."""
    html = render_html(monthly_report([*PROGRAMME, Indicator.HELP_SHOWN]), "en")
    with use_language("en"):
        assert indicator_name(Indicator.HELP_SHOWN) not in html
    assert 'data-indicator="help_shown"' not in html


def test_a_year_of_weeks_is_cut_into_printable_tables() -> None:
    weeks = periods(date(2026, 1, 1), date(2026, 12, 31), "week")
    assert len(weeks) == 53
    report = replace(
        monthly_report(),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        period_kind="week",
        periods=weeks,
        tables={i: protect(tables(i, weeks), MIN_COUNT) for i in PROGRAMME},
    )
    dom = parse(render_html(report, "en"))
    group_tables = dom.by_id("group-1").find_all("table")
    widths = [len(t.find_all("thead")[0].find_all("th")) - 1 for t in group_tables]
    assert widths == [13, 13, 13, 13, 1 + 1]  # 52 weeks in fours of 13, then week 53 + total
    assert group_tables[0].find_all("th")[1].text() == "Week 1"
    axis = [t.text() for t in dom.by_id("chart-checkins").find_all("text")]
    labels = [t for t in axis if re.fullmatch(r"W\d+", t)]
    assert labels == [f"W{n}" for n in range(1, 54, 4)]  # every 4th week: 14 labels, not 53


def test_a_safeguarding_report_shows_the_programme_indicators_only() -> None:
    report = replace(monthly_report([*PROGRAMME, Indicator.HELP_SHOWN]), audience="safeguarding")
    html = render_html(report, "en")
    assert 'data-indicator="help_shown"' not in html
    with use_language("en"):
        assert indicator_name(Indicator.HELP_SHOWN) not in html
        assert indicator_name(Indicator.ENROLLED) in html


# -- end to end: a seeded database --------------------------------------------------------


async def test_the_command_writes_a_seeded_databases_report(db_url: str, tmp_path: Path) -> None:
    """`foyer report programme --html` on six months of four groups (tests/test_indicators.py's
    facts), opened in Chromium, in French: every key number is the hand count, or "–" where
    the report hides it."""
    f = seeded.facts()
    await seeded.seed(db_url, f)
    hand = seeded.Hand(f, "month", seeded.GROUPS, no_group=False).all()
    page = tmp_path / "rapport.html"
    args = ("report", "programme", "--from", "2026-01-01", "--to", "2026-06-30")
    env = seeded._cli_env(db_url, 2)
    done = await asyncio.to_thread(foyer, *args, "--html", str(page), "--lang", "fr", env=env)
    assert done.returncode == 0, done.stderr
    seen = visit(page, tmp_path, "--dump-dom")
    assert seen.console == [] and seen.requests == []
    dom = parse(seen.dom)
    assert dom.find_all("html")[0].attrs["lang"] == "fr"
    cards = {c.attrs["data-indicator"]: c for c in dom.find_all("div", **{"class": "card"})}
    assert set(cards) == {i.value for i in PROGRAMME}
    shown = 0
    for indicator in PROGRAMME:
        big = cards[indicator.value].find_all("p")[0].text()
        want = hand[indicator].get((SHARED, TOTAL, TOTAL), 0)
        if big != "–":
            shown += 1
            assert big == format_decimal(want, locale="fr"), indicator
    assert shown >= 5
    for g in seeded.GROUPS:  # every group has its table, named as staff named it
        assert dom.by_id(f"group-{g.id}").find_all("h3")[0].text() == f"Group {g.id}"
    regions = [h.text() for h in dom.by_id("by-region").find_all("h3")]
    assert regions == sorted({g.region for g in seeded.GROUPS})  # Dakar, Kayes, Ségou
    languages = [h.text() for h in dom.by_id("by-language").find_all("h3")]
    assert languages == ["bambara", "français"]  # the members' languages, named in French

    # Asked for the safeguarding counts too, the file still leaves them out, and says so.
    again = tmp_path / "again.html"
    done = await asyncio.to_thread(foyer, *args, "--safeguarding", "--html", str(again), env=env)
    assert done.returncode == 0, done.stderr
    assert "help shown and concerns left out" in done.stderr
    html = again.read_text(encoding="utf-8")
    with use_language("en"):
        for indicator in (Indicator.HELP_SHOWN, Indicator.CONCERNS):
            assert indicator_name(indicator) not in html


def test_a_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'foyer.db'}"
    migrate.upgrade(url)
    target = tmp_path / "no such folder" / "report.html"
    args = ("report", "programme", "--from", "2026-01-01", "--to", "2026-01-31")
    done = foyer(*args, "--html", str(target), env=seeded._cli_env(url, 3))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "report.html" in done.stderr
    assert not target.exists()
