"""The one CSV writer for files people download and open in a spreadsheet.

Cells hold text from the public and from colleagues (names, messages, channel
names). A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula, and some also after a leading tab or carriage return
(OWASP "CSV injection"): such a cell is written with a leading single quote,
which spreadsheets show as text. Numbers we computed stay numbers; only text
is touched, so give figures as int, float or Decimal, not formatted strings.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file that hands back what is written, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(rows: Iterable[Iterable[Any]], *, filename: str) -> StreamingHttpResponse:
    """Stream the rows (a header row first) as a CSV attachment."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
