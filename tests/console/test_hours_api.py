"""The settings API for hours, closures, out-of-hours texts, targets and bio
statements: the same services and refusals as the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from escalation.models import HoursException, OpeningInterval, ResponseTarget, StaffedHours
from events.models import Event

pytestmark = pytest.mark.django_db

WEEK = {
    "time_zone": "Europe/London",
    "holiday_region": "GB-ENG",
    "intervals": [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:00"},
        {"weekday": 4, "start": "22:00", "end": "06:00", "overnight": True},
    ],
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name, *args) -> str:
    return reverse(f"settings_api:{name}", args=args)


def test_a_manager_sets_and_reads_the_hours(manager, channel_a):
    response = api(manager).put(url("hours_set", channel_a.pk), WEEK, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hours"]["holiday_region"] == "GB-ENG"
    assert [i["start"] for i in body["hours"]["intervals"]] == ["08:00", "13:00", "22:00"]
    assert body["hours"]["intervals"][2]["overnight"] is True
    assert len(body["week"]) == 7 and "staffed" in body["staffed_now"]
    assert body["bio"]["limit"] == 160
    assert "Mon 8am–noon and 1pm–5pm" in body["bio"]["text"]  # noqa: RUF001
    detail = api(manager).get(url("hours_detail", channel_a.pk)).json()
    assert detail["hours"] == body["hours"]
    assert Event.objects.filter(type="hours.changed", actor=manager).count() == 1


def test_an_overlap_is_a_400_and_nothing_changes(manager, channel_a, hours_a):
    bad = {
        **WEEK,
        "intervals": [*WEEK["intervals"], {"weekday": 0, "start": "11:00", "end": "14:00"}],
    }
    response = api(manager).put(url("hours_set", channel_a.pk), bad, format="json")
    assert response.status_code == 400
    assert "overlaps" in response.json()["detail"]
    assert OpeningInterval.objects.filter(hours=hours_a).count() == 11
    unknown = api(manager).put(
        url("hours_set", channel_a.pk), {**WEEK, "holiday_region": "XX-YY"}, format="json"
    )
    assert unknown.status_code == 400 and "region" in unknown.json()["detail"]


def test_closures_through_the_api(manager, channel_a, hours_a):
    response = api(manager).post(
        url("hours_exception_add", channel_a.pk),
        {"kind": "closed", "reason": "Training", "starts_on": "2026-12-24"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api(manager).delete(url("hours_exception_remove", channel_a.pk, pk)).status_code == 204
    assert not HoursException.objects.exists()


def test_out_of_hours_texts_and_preview(manager, channel_a, hours_a):
    texts = {
        "reply": True,
        "public": False,
        "text": "Thanks. We are back {reopens}. {emergency}",
        "emergency_text": "Call 999 in an emergency.",
    }
    response = api(manager).put(url("out_of_hours_set", channel_a.pk), texts, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["preview"].startswith("Thanks. We are back ")
    assert body["preview"].endswith("Call 999 in an emergency.")
    bad = api(manager).put(
        url("out_of_hours_set", channel_a.pk), {**texts, "text": "{nope}"}, format="json"
    )
    assert bad.status_code == 400
    assert StaffedHours.objects.get(channel=channel_a).out_of_hours_text == texts["text"]


def test_targets_through_the_api(manager, admin_user, channel_a):
    target = {"channel": channel_a.pk, "priority": 3, "target_minutes": 15, "limit_minutes": 30}
    response = api(manager).put(url("targets_set"), target, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["channel"]["id"] == channel_a.pk
    default = {"channel": None, "target_minutes": 60, "limit_minutes": 120}
    assert api(manager).put(url("targets_set"), default, format="json").status_code == 403
    assert api(admin_user).put(url("targets_set"), default, format="json").status_code == 200
    backwards = {**target, "limit_minutes": 5}
    assert api(manager).put(url("targets_set"), backwards, format="json").status_code == 400
    listed = api(manager).get(url("targets_list")).json()
    assert {(t["channel"] or {}).get("id") for t in listed} == {None, channel_a.pk}
    pk = ResponseTarget.objects.get(channel=channel_a).pk
    assert api(manager).delete(url("targets_remove", pk)).status_code == 204
    default_pk = ResponseTarget.objects.get(channel=None).pk
    assert api(manager).delete(url("targets_remove", default_pk)).status_code == 403
    assert ResponseTarget.objects.filter(channel=None).exists()


def test_bio_and_regions(manager, channel_a, hours_a):
    bios = api(manager).get(url("bio_list")).json()
    assert [b["channel"]["id"] for b in bios] == [channel_a.pk]
    assert bios[0]["used"] == len(bios[0]["text"])
    regions = api(manager).get(url("hours_regions")).json()
    assert {"code": "GB-ENG", "name": "United Kingdom: England (GB-ENG)"} in regions


def test_officers_get_403_and_other_managers_404_and_nothing_changes(
    officer, other_manager, channel_a, hours_a
):
    for user, expected in ((officer, 403), (other_manager, 404)):
        client = api(user)
        assert client.get(url("hours_detail", channel_a.pk)).status_code == expected
        assert client.put(url("hours_set", channel_a.pk), WEEK, format="json").status_code == (
            expected
        )
        assert client.post(url("hours_clear", channel_a.pk)).status_code == expected
        assert (
            client.post(
                url("hours_exception_add", channel_a.pk),
                {"kind": "closed", "reason": "x", "starts_on": "2026-12-24"},
                format="json",
            ).status_code
            == expected
        )
        texts = {"reply": False, "public": False, "text": "Closed.", "emergency_text": "999"}
        assert (
            client.put(url("out_of_hours_set", channel_a.pk), texts, format="json").status_code
            == expected
        )
        target = {"channel": channel_a.pk, "target_minutes": 1, "limit_minutes": 2}
        assert client.put(url("targets_set"), target, format="json").status_code == expected
    # An officer is refused the lists too; team B's manager sees only team B's.
    assert api(officer).get(url("bio_list")).status_code == 403
    assert api(other_manager).get(url("bio_list")).json() == []
    assert OpeningInterval.objects.filter(hours=hours_a).count() == 11
    assert not HoursException.objects.exists() and not ResponseTarget.objects.exists()
    assert StaffedHours.objects.get(channel=channel_a).out_of_hours_text != "Closed."
    assert Event.objects.filter(type__startswith="hours.").count() == 1


def test_the_schema_lists_the_settings_endpoints(client, manager):
    client.force_login(manager)
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert "/api/settings/hours/{id}/weekly/" in paths
    assert "put" in paths["/api/settings/hours/{id}/weekly/"]
