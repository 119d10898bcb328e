"""The programme report's exports, as `foyer report programme` writes them (its WRITERS): the
tidy CSV (--csv) and the DHIS2 data value set (--dhis2 with --mapping). docs/indicators.md
says what each holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.errors import CliError
from bot.commands.output_files import write_all
from bot.domain.indicators import DEFINITIONS
from bot.reports.dhis2 import render_dhis2
from bot.reports.dhis2_mapping import Dhis2Mapping, MappingError, load_mapping
from bot.reports.programme import ProgrammeReport
from bot.reports.programme_csv import delimiter_for, render_csv


def write_csv(report: ProgrammeReport, path: Path, args: argparse.Namespace) -> None:
    _say_safeguarding_left_out(report, path)
    write_all({path: render_csv(report, delimiter=delimiter_for(args.lang))}, args.force)


def check_dhis2(report: ProgrammeReport, args: argparse.Namespace) -> None:
    """Before any file is written: every problem of the mapping for this report, at once."""
    _dhis2(report, Path(args.mapping))


def write_dhis2(report: ProgrammeReport, path: Path, args: argparse.Namespace) -> None:
    _say_safeguarding_left_out(report, path)
    write_all({path: _dhis2(report, Path(args.mapping))}, args.force)


def _dhis2(report: ProgrammeReport, mapping_file: Path) -> bytes:
    try:
        mapping: Dhis2Mapping = load_mapping(mapping_file)
        return render_dhis2(report, mapping, str(mapping_file))
    except MappingError as exc:
        raise CliError(_listed(exc)) from None


def _listed(exc: MappingError) -> str:
    n = len(exc.problems)
    head = (
        f"the DHIS2 mapping {exc.where}: {n} problem{'s' if n > 1 else ''} to fix, no file written"
    )
    return "\n".join([head, *(f"  {p}" for p in exc.problems)])


def _say_safeguarding_left_out(report: ProgrammeReport, path: Path) -> None:
    if any(DEFINITIONS[i].audience != "programme" for i in report.tables):
        print(f"{path}: help shown and concerns left out (never exported)", file=sys.stderr)
