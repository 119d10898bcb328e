"""Reading the CSV of `foyer group import` as spreadsheets write it.

French and Spanish Excel separate values with ';' by default and save "CSV" as Windows-1252;
"CSV UTF-8" starts with a byte-order mark. All of these are read. What cannot be read is said
in one line that names what to fix (the line, the column, the quote), as every CLI error is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.commands.errors import CliError

REQUIRED = ("name", "curriculum", "timezone", "meets", "starts")
_DELIMITERS = (",", ";", "\t")
_SAVE_AS = "in Excel or LibreOffice, save it as 'CSV UTF-8'"


@dataclass(frozen=True)
class CsvRows:
    header: list[str]
    rows: list[tuple[int, dict[str, str | None]]]  # (the line the row starts on, its values)
    encoding: str  # "utf-8", or "windows-1252" when the file was not UTF-8


def read(path: Path, known: tuple[str, ...]) -> CsvRows:
    text, encoding = _decode(path)
    if "\x00" in text:
        raise CliError(f"{path}: this is not a text file; {_SAVE_AS}")
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = [h.strip() for h in _next(reader, 1, "header") or []]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise CliError(
            f"line 1: the header lacks {', '.join(missing)}; the first line names the columns, "
            f"such as {','.join(REQUIRED)}"
        )
    unknown = [f for f in header if f not in known]
    if unknown:
        raise CliError(f"line 1: unknown columns {', '.join(unknown)}")
    rows: list[tuple[int, dict[str, str | None]]] = []
    start = reader.line_num + 1
    while True:
        values = _next(reader, start, _column_of_quote(lines, start, header, delimiter))
        if values is None:
            break
        if any(v.strip() for v in values):
            rows.append((start, _row(header, values, start, delimiter)))
        start = reader.line_num + 1
    return CsvRows(header, rows, encoding)


def _next(reader: Iterator[list[str]], line: int, column: str) -> list[str] | None:
    """The next record, which starts on ``line``; None at the end of the file."""
    try:
        return next(reader, None)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            what = "the header" if column == "header" else f"the {column} value"
            raise CliError(
                f'line {line}: the quote (") that opens {what} is never closed: '
                "close it, or take it out"
            ) from None
        raise CliError(
            f'line {line}: a misplaced quote ("): quote a whole value, like "Kati, Mali" ({exc})'
        ) from None


def _column_of_quote(lines: list[str], line: int, header: list[str], delimiter: str) -> str:
    """The column whose value the line's first quote opens, for the error that names it."""
    raw = lines[line - 1] if 0 < line <= len(lines) else ""
    before = raw[: max(raw.find('"'), 0)]
    index = len(next(csv.reader([before], delimiter=delimiter), [""])) - 1 if before else 0
    return header[index] if index < len(header) else f"column {index + 1}"


def _decode(path: Path) -> tuple[str, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"  # Excel's "Unicode text"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"  # what Excel calls "CSV" in Western Europe
    except UnicodeDecodeError:
        raise CliError(
            f"{path}: cannot read: it is neither UTF-8 nor Windows-1252 text; {_SAVE_AS}"
        ) from None


def _delimiter(header: str) -> str:
    """The separator whose split of the header finds the most of Foyer's column names."""

    def found(d: str) -> int:
        fields = next(csv.reader([header], delimiter=d), [])
        return sum(1 for f in fields if f.strip() in REQUIRED)

    return max(_DELIMITERS, key=found)  # a tie (no known name at all) keeps the comma


def _row(header: list[str], values: list[str], line: int, delimiter: str) -> dict[str, str | None]:
    for column, value in zip(header + ["?"] * len(values), values, strict=False):
        if "\n" in value or "\r" in value:
            # No group field spans lines: a quote opened here and closed only lines later.
            raise CliError(
                f'line {line}: the quote (") that opens the {column} value is never closed: '
                "close it, or take it out"
            )
    if len(values) > len(header):
        sep = {"\t": "a tab"}.get(delimiter, f"'{delimiter}'")
        raise CliError(
            f"line {line}: {len(values)} values for {len(header)} columns: a value that "
            f'holds {sep} must be in quotes ("...")'
        )
    return {h: (values[i] if i < len(values) else None) for i, h in enumerate(header)}
