"""Who sees which figures: a manager of team A only team A's channels (in
dashboards, CSV exports and the API), admins everything, officers only
their own figures and a 403 on every team dashboard."""

from __future__ import annotations

import csv
import html
import io
from datetime import date

import pytest
from django.urls import reverse

from kpis import rollups
from tests.kpis.week import Story, london

PERIOD = {"start": "2026-03-28", "end": "2026-04-03"}
DASHBOARDS = ["overview", "channels", "people", "engagement", "audience", "cover", "shift"]
API = ["overview", "channels", "people", "engagement", "audience", "cover", "shift"]


@pytest.fixture
def activity(channel_a, channel_b, officer, other_officer):
    """One answered conversation on each channel, rolled up."""
    for channel, who, minutes in ((channel_a, officer, 10), (channel_b, other_officer, 50)):
        story = Story(channel)
        conv = story.conversation()
        story.inbound(conv, london(2026, 3, 30, 10, 0))
        story.reply(conv, london(2026, 3, 30, 10, minutes), by=who)
    rollups.rollups_recompute(first=date(2026, 3, 28), last=date(2026, 4, 3))


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("name", DASHBOARDS)
def test_officers_cannot_open_team_dashboards_exports_or_api(client, officer, activity, name):
    client.force_login(officer)
    assert client.get(reverse(f"kpis:{name}"), PERIOD).status_code == 403
    assert client.get(reverse("kpis:export", args=[name, "channels"]), PERIOD).status_code == 403
    assert client.get(reverse(f"kpis-api:{name}"), PERIOD).status_code == 403


@pytest.mark.django_db
def test_officers_see_their_own_figures(client, officer, activity):
    client.force_login(officer)
    assert client.get(reverse("kpis:index")).url == reverse("kpis:me")
    page = client.get(reverse("kpis:me"), PERIOD)
    assert page.status_code == 200
    # The name as the page escapes it (factory names can hold an apostrophe).
    assert html.escape(str(officer)) in page.content.decode()
    rows = csv_rows(client.get(reverse("kpis:export", args=["me", "summary"]), PERIOD))
    assert rows[1][1] == "1"  # handled one conversation
    api = client.get(reverse("kpis-api:me"), PERIOD).json()
    assert api["tables"][0]["rows"][0][1] == 1


@pytest.mark.django_db
def test_a_manager_sees_only_their_teams_channels(client, manager, activity, channel_a, channel_b):
    client.force_login(manager)
    assert client.get(reverse("kpis:index")).url == reverse("kpis:overview")
    page = client.get(reverse("kpis:channels"), PERIOD).content.decode()
    assert channel_a.name in page and channel_b.name not in page

    rows = csv_rows(client.get(reverse("kpis:export", args=["channels", "channels"]), PERIOD))
    assert [r[0] for r in rows[1:]] == [channel_a.name]
    assert rows[1][5] == "10.00"  # median first response in minutes: channel A's only

    data = client.get(reverse("kpis-api:overview"), PERIOD).json()
    assert data["channels"] == [channel_a.pk]
    assert data["summary"]["frt_calendar"]["median_seconds"] == 600
    assert data["summary"]["inbound"] == 1


@pytest.mark.django_db
def test_a_manager_cannot_ask_for_another_teams_channel(client, manager, activity, channel_b):
    client.force_login(manager)
    other = {**PERIOD, "channel": channel_b.pk}
    assert client.get(reverse("kpis:overview"), other).status_code == 400
    assert client.get(reverse("kpis:export", args=["overview", "daily"]), other).status_code == 400
    response = client.get(reverse("kpis-api:overview"), other)
    assert response.status_code == 400
    assert "channel" in response.json()


@pytest.mark.django_db
def test_other_teams_officer_is_refused_too(client, other_officer, activity):
    client.force_login(other_officer)
    assert client.get(reverse("kpis:overview"), PERIOD).status_code == 403
    assert client.get(reverse("kpis-api:channels"), PERIOD).status_code == 403


@pytest.mark.django_db
def test_admins_see_every_channel(client, admin_user, activity, channel_a, channel_b):
    client.force_login(admin_user)
    data = client.get(reverse("kpis-api:overview"), PERIOD).json()
    assert sorted(data["channels"]) == sorted([channel_a.pk, channel_b.pk])
    assert data["summary"]["frt_calendar"]["median_seconds"] == 30 * 60  # (10 + 50) / 2 min
    only_b = client.get(reverse("kpis-api:channels"), {**PERIOD, "channel": channel_b.pk}).json()
    assert only_b["channels"] == [channel_b.pk]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, activity):
    assert client.get(reverse("kpis:overview")).status_code == 302
    assert client.get(reverse("kpis:export", args=["overview", "daily"])).status_code == 302
    # Unauthenticated: 401 with WWW-Authenticate: Token (token authentication answers first).
    assert client.get(reverse("kpis-api:overview")).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_dashboard_renders_for_a_manager_with_every_table_exportable(
    client, manager, activity, name
):
    client.force_login(manager)
    page = client.get(reverse(f"kpis:{name}"), PERIOD)
    assert page.status_code == 200
    board = page.context["board"]
    for table in board.tables:
        response = client.get(reverse("kpis:export", args=[name, table.slug]), PERIOD)
        assert response.status_code == 200
        rows = csv_rows(response)
        assert rows[0] and len(rows) == len(table.rows) + 1
    assert client.get(reverse("kpis:export", args=[name, "nope"]), PERIOD).status_code == 404


@pytest.mark.django_db
def test_only_admins_change_costs_or_rebuild(client, manager, admin_user):
    client.force_login(manager)
    assert client.get(reverse("kpis:costs")).status_code == 403
    assert client.post(reverse("kpis:recompute"), {"since": "2026-01-01"}).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("kpis:costs")).status_code == 200
    assert client.get(reverse("kpis:recompute")).status_code == 200


@pytest.mark.django_db
def test_bad_dates_are_a_clear_error(client, manager, activity):
    client.force_login(manager)
    page = client.get(reverse("kpis:overview"), {"start": "2026-04-03", "end": "2026-03-01"})
    assert page.status_code == 400
    assert "must be on or after" in page.content.decode()
    api = client.get(reverse("kpis-api:overview"), {"start": "not a date"})
    assert api.status_code == 400
