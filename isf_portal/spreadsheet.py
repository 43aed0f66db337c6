"""CSV downloads that no spreadsheet can be tricked by: every cell of every CSV the portal
serves (the register, the public register, the insight figures) goes through `csv_lines`.

A spreadsheet runs a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return as
a formula (CSV injection); such a cell gets a leading apostrophe. Lines are yielded one by
one, so a large export is streamed, never held in memory."""

import csv
import datetime
from collections.abc import Iterable, Iterator

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A byte-order mark first, so Excel reads the file as UTF-8.
BOM = "\ufeff"


def neutralise(value) -> str:
    """A cell as text that no spreadsheet will execute: a leading apostrophe before a cell
    that would otherwise start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def iso_date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields lines."""

    def write(self, value):
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[str]:
    """The CSV's lines: the header, then each row, every cell neutralised."""
    writer = csv.writer(_Echo())
    if bom:
        yield BOM
    yield writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])
