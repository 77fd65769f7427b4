"""KPI CSV exports go through the shared writer: a name that a spreadsheet
would run as a formula (after a tab or CR too) is written as text, while
figures stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from kpis import rollups
from tests.kpis.week import Story, london

PERIOD = {"start": "2026-03-28", "end": "2026-04-03"}


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def hostile_names(channel_a, officer):
    channel_a.name = "\t=cmd|' /C calc'!A0"
    channel_a.save()
    officer.display_name = "\r@SUM(1+1)"
    officer.save()
    story = Story(channel_a)
    conv = story.conversation()
    story.inbound(conv, london(2026, 3, 30, 10, 0))
    story.reply(conv, london(2026, 3, 30, 10, 10), by=officer)
    rollups.rollups_recompute(first=date(2026, 3, 28), last=date(2026, 4, 3))


@pytest.mark.django_db
def test_channel_and_officer_names_are_neutralised_in_team_exports(client, manager, hostile_names):
    client.force_login(manager)
    channels = csv_rows(client.get(reverse("kpis:export", args=["channels", "channels"]), PERIOD))
    assert channels[1][0] == "'\t=cmd|' /C calc'!A0"
    assert channels[1][5] == "10.00"  # a figure is not quoted
    officers = csv_rows(client.get(reverse("kpis:export", args=["people", "officers"]), PERIOD))
    assert [r[0] for r in officers[1:]] == ["'\r@SUM(1+1)"]


@pytest.mark.django_db
def test_an_officers_own_export_is_neutralised_too(client, officer, hostile_names):
    client.force_login(officer)
    rows = csv_rows(client.get(reverse("kpis:export", args=["me", "summary"]), PERIOD))
    assert rows[1][0] == "'\r@SUM(1+1)" and rows[1][1] == "1"
