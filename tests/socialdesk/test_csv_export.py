"""The one CSV writer: text that a spreadsheet would run is written as text,
figures stay figures."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from socialdesk.csv_export import csv_cell, csv_lines, csv_response

HOSTILE = [
    '=HYPERLINK("http://evil.example","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_starts_with_a_quote(text):
    assert csv_cell(text) == "'" + text
    [row] = list(csv.reader(io.StringIO("".join(csv_lines([[text]])))))
    assert row == ["'" + text]


def test_plain_text_numbers_and_none_are_written_as_they_are():
    assert csv_cell("Jo Bloggs") == "Jo Bloggs"
    assert csv_cell("a=b") == "a=b"
    assert csv_cell(-5) == -5 and csv_cell(Decimal("-1.50")) == Decimal("-1.50")
    assert csv_cell(None) == ""
    [row] = list(csv.reader(io.StringIO("".join(csv_lines([[-5, Decimal("-1.50"), None]])))))
    assert row == ["-5", "-1.50", ""]


def test_the_response_is_a_utf8_csv_attachment():
    response = csv_response([["name"], ["Zoë"], ["=1"]], filename="people.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    body = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(body))) == [["name"], ["Zoë"], ["'=1"]]
