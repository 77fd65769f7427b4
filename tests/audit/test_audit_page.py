from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event


@pytest.fixture
def log(officer, other_officer, channel_a, channel_b):
    Event.objects.create(
        type="note.added",
        at=timezone.now(),
        actor=officer,
        channel=channel_a,
        data={"ip": "198.51.100.7", "target": "conversation:1"},
    )
    Event.objects.create(
        type="note.added",
        at=timezone.now(),
        actor=other_officer,
        channel=channel_b,
        data={"ip": "198.51.100.8"},
    )
    Event.objects.create(
        type="auth.login", at=timezone.now(), actor=officer, data={"ip": "198.51.100.7"}
    )
    Event.objects.create(
        type="note.added",
        at=timezone.now(),
        actor=officer,
        channel=channel_a,
        data={"target": '=HYPERLINK("http://evil")'},
    )


@pytest.mark.django_db
def test_manager_sees_own_teams_events_only(client, manager, log):
    client.force_login(manager)
    page = client.get(reverse("audit:log")).content.decode()
    assert "198.51.100.7" in page and "198.51.100.8" not in page


@pytest.mark.django_db
def test_filters_by_type_and_person(client, admin_user, officer, log):
    client.force_login(admin_user)
    response = client.get(reverse("audit:log"), {"type": "auth.", "person": officer.pk})
    assert [e.type for e in response.context["page"]] == ["auth.login"]


@pytest.mark.django_db
def test_officers_cannot_open_the_audit_log(client, officer, log):
    client.force_login(officer)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export", args=["csv"])).status_code == 403


@pytest.mark.django_db
def test_csv_and_json_exports_are_logged_and_safe_for_spreadsheets(client, admin_user, log):
    client.force_login(admin_user)
    response = client.get(reverse("audit:export", args=["csv"]), {"type": "note."})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3 and {r["type"] for r in rows} == {"note.added"}
    assert any(r["target"].startswith("'=HYPERLINK") for r in rows)
    data = json.loads(client.get(reverse("audit:export", args=["json"])).content)
    assert {"at_utc", "actor", "ip", "target"} <= set(data[0])
    assert Event.objects.filter(type="audit.exported", actor=admin_user).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_the_audit_csv(client, admin_user, officer, start):
    Event.objects.create(
        type="note.added",
        at=timezone.now(),
        actor=officer,
        data={"target": f"{start}cmd|' /C calc'!A0"},
    )
    client.force_login(admin_user)
    response = client.get(reverse("audit:export", args=["csv"]), {"type": "note."})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    [row] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["target"] == f"'{start}cmd|' /C calc'!A0"
