"""CSV the project writes for people to open in a spreadsheet, with no cell that the spreadsheet runs as a formula.

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets
as a formula (CSV injection): a purpose `=HYPERLINK(...)` typed by an officer would turn into a link that
sends data elsewhere when the auditor clicks it. As OWASP recommends, such a cell gets a leading single
quote, which the spreadsheet shows as text; the rest of the value is kept as written. A value that itself
starts with a quote gets one too, so the export reads back exactly (auditors recompute entry hashes from it):
a cell that starts with ' had one added. A cell that is only a number (`-3`, `+1.5`) is left alone: it cannot
hold a formula, and a quote would make it text. Every CSV the project writes goes through `csv_stream`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = (*FORMULA_TRIGGERS, "'")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: object) -> str:
    """The value as the text of one cell, quoted with a leading ' when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(_QUOTED) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Line:
    """A file-like object whose write() hands back the line, so csv.writer can feed a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one line of CSV text, every cell through csv_cell; for a StreamingHttpResponse."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])
