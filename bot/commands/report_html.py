"""`foyer report programme --html FILE`: the programme report as one HTML file
(bot/reports/programme_html.py), in the report's language (--lang)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.output_files import write_all
from bot.domain.indicators import DEFINITIONS
from bot.reports.programme import ProgrammeReport
from bot.reports.programme_html import render_html


def write_html(report: ProgrammeReport, path: Path, args: argparse.Namespace) -> None:
    if any(DEFINITIONS[i].audience != "programme" for i in report.tables):
        # The file is made to be shared (donors too): the safeguarding counts never go in.
        print(
            f"{path}: help shown and concerns left out (never in the HTML report)", file=sys.stderr
        )
    # Bytes (the same file on Windows), written whole or not at all, never over a file
    # without --force, as the CSV and DHIS2 outputs are.
    write_all({path: render_html(report, args.lang).encode("utf-8")}, args.force)
