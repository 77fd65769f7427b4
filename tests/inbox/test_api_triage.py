"""The triage controls in the API: priority, snooze and wake, the label set,
labels (listed by all, created by managers). Another team's conversation is a
404 with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from events.models import Event
from inbox.models import Label, Notification
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(channel_a, author=citizen(91, name="Jo Resident"))


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(name: str, pk: int) -> str:
    return reverse(f"api:{name}", args=[pk])


def test_priority(officer, conv_a):
    api = _api(officer)
    response = api.post(_url("conversation_priority", conv_a.pk), {"priority": 2}, format="json")
    assert response.status_code == 200 and response.json()["priority"] == 2
    bad = api.post(_url("conversation_priority", conv_a.pk), {"priority": 8}, format="json")
    assert bad.status_code == 400
    assert Event.objects.filter(type="conversation.priority_changed").count() == 1


def test_snooze_leaves_the_list_and_wake_brings_it_back(officer, conv_a):
    api = _api(officer)
    until = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    response = api.post(
        _url("conversation_snooze", conv_a.pk), {"until": until.isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["snoozed_until"] is not None
    listed = api.get(reverse("api:conversation_list")).json()["results"]
    assert conv_a.pk not in [c["id"] for c in listed]
    snoozed = api.get(reverse("api:conversation_list"), {"view": "snoozed"}).json()["results"]
    assert [c["id"] for c in snoozed] == [conv_a.pk]
    assert api.get(reverse("api:conversation_counts")).json()["snoozed"] == 1

    past = api.post(
        _url("conversation_snooze", conv_a.pk),
        {"until": (timezone.now() - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert past.status_code == 400 and "future" in past.json()["detail"]

    woken = api.post(_url("conversation_wake", conv_a.pk))
    assert woken.status_code == 200 and woken.json()["snoozed_until"] is None
    assert Event.objects.filter(conversation=conv_a, type="conversation.snoozed").count() == 1
    assert Event.objects.filter(conversation=conv_a, type="conversation.woken").count() == 1


def test_the_label_set(officer, conv_a):
    bins, roads = LabelFactory(name="bins"), LabelFactory(name="roads")
    api = _api(officer)
    url = _url("conversation_labels_set", conv_a.pk)
    response = api.post(url, {"labels": [bins.pk, roads.pk]}, format="json")
    assert [lb["name"] for lb in response.json()["labels"]] == ["bins", "roads"]
    response = api.post(url, {"labels": [roads.pk]}, format="json")
    assert [lb["name"] for lb in response.json()["labels"]] == ["roads"]
    missing = api.post(url, {"labels": [roads.pk, 99999]}, format="json")
    assert missing.status_code == 400
    assert list(conv_a.labels.values_list("name", flat=True)) == ["roads"]


def test_labels_are_listed_for_all_and_created_by_managers_only(officer, manager):
    LabelFactory(name="bins")
    assert [lb["name"] for lb in _api(officer).get(reverse("api:label_list")).json()] == ["bins"]
    refused = _api(officer).post(reverse("api:label_create"), {"name": "Potholes"}, format="json")
    assert refused.status_code == 403
    made = _api(manager).post(reverse("api:label_create"), {"name": "Potholes"}, format="json")
    assert made.status_code == 201 and made.json()["name"] == "Potholes"
    twice = _api(manager).post(reverse("api:label_create"), {"name": "potholes"}, format="json")
    assert twice.status_code == 400
    assert Label.objects.count() == 2


def test_assigning_through_the_api_notifies_the_colleague(officer, teammate, conv_a):
    _api(officer).post(
        _url("conversation_assign", conv_a.pk), {"assignee": teammate.pk}, format="json"
    )
    [note] = Notification.objects.filter(user=teammate)
    assert note.url.endswith(f"/inbox/c/{conv_a.pk}/")
    listed = _api(teammate).get(reverse("api:notification_list")).json()
    assert listed[0]["url"] == note.url


def test_another_teams_conversation_is_404_and_unchanged(other_officer, conv_a):
    label = LabelFactory(name="bins")
    api = _api(other_officer)
    before = Event.objects.count()
    until = (timezone.now() + timedelta(hours=1)).isoformat()
    calls = [
        ("conversation_priority", {"priority": 3}),
        ("conversation_snooze", {"until": until}),
        ("conversation_wake", {}),
        ("conversation_labels_set", {"labels": [label.pk]}),
    ]
    for name, data in calls:
        assert api.post(_url(name, conv_a.pk), data, format="json").status_code == 404, name
    conv_a.refresh_from_db()
    assert conv_a.priority == 1 and conv_a.snoozed_until is None and not conv_a.labels.exists()
    assert Event.objects.count() == before
