"""Retention per channel and legal holds: service, pages, API and the
read-only Django admin (no write skips the service and its event)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Event
from records import services
from records.models import LegalHold, RetentionPolicy

pytestmark = pytest.mark.django_db


def as_(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Retention ----------------------------------------------------------------------


def test_a_manager_sets_and_removes_retention_of_their_channel(manager, channel_a):
    services.retention_set(channel=channel_a, keep_days=2190, actor=manager)
    assert RetentionPolicy.objects.get(channel=channel_a).keep_days == 2190
    services.retention_set(channel=channel_a, keep_days=2190, actor=manager)  # no change
    services.retention_set(channel=channel_a, keep_days=None, actor=manager)
    assert not RetentionPolicy.objects.exists()
    events = list(Event.objects.filter(type="records.retention_set").order_by("pk"))
    assert [(e.data["previous_keep_days"], e.data["keep_days"]) for e in events] == [
        (None, 2190),
        (2190, None),
    ]
    assert events[0].actor == manager and events[0].channel_id == channel_a.pk
    with pytest.raises(ValidationError):
        services.retention_set(channel=channel_a, keep_days=0, actor=manager)


def test_officers_and_another_teams_manager_cannot_set_retention(
    client, officer, other_manager, channel_a
):
    RetentionPolicy.objects.create(channel=channel_a, keep_days=365)
    for person in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            services.retention_set(channel=channel_a, keep_days=30, actor=person)
        client.force_login(person)
        expected = 403 if person is officer else 404
        page = client.post(reverse("console:retention_edit", args=[channel_a.pk]), {"keep": "30"})
        assert page.status_code == expected
        api = as_(person).put(
            f"/api/settings/retention/{channel_a.pk}/", {"keep_days": 30}, format="json"
        )
        assert api.status_code == expected
    assert RetentionPolicy.objects.get().keep_days == 365
    assert not Event.objects.filter(type="records.retention_set").exists()


def test_the_retention_page_and_api_set_a_channel(client, manager, channel_a, channel_b):
    client.force_login(manager)
    page = client.get(reverse("console:retention")).content.decode()
    assert channel_a.name in page and channel_b.name not in page
    response = client.post(
        reverse("console:retention_edit", args=[channel_a.pk]),
        {"keep": "custom", "keep_days": "400"},
    )
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(channel=channel_a).keep_days == 400
    assert "400 days" in client.get(reverse("console:retention")).content.decode()
    answer = as_(manager).put(
        f"/api/settings/retention/{channel_a.pk}/", {"keep_days": None}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["keep_days"] is None
    assert [r["channel"] for r in as_(manager).get("/api/settings/retention/").json()] == [
        channel_a.pk
    ]


# --- Legal holds --------------------------------------------------------------------


def test_a_hold_is_placed_and_released_with_reasons(manager, conversation_a):
    hold = services.legal_hold_place(
        actor=manager, conversation=conversation_a, reason="FOI 2026/88"
    )
    with pytest.raises(ValidationError):
        services.legal_hold_release(hold=hold, actor=manager, reason="  ")
    services.legal_hold_release(hold=hold, actor=manager, reason="Request answered")
    services.legal_hold_release(hold=hold, actor=manager, reason="again")  # no-op
    hold.refresh_from_db()
    assert hold.released_at is not None
    [released] = Event.objects.filter(type="records.legal_hold_released")
    assert released.data["reason"] == "Request answered" and released.actor == manager
    assert released.conversation_id == conversation_a.pk


def test_officers_and_another_teams_manager_cannot_place_or_release_holds(
    client, officer, other_manager, manager, conversation_a
):
    hold = services.legal_hold_place(actor=manager, contact=conversation_a.contact, reason="Court")
    for person in (officer, other_manager):
        for kwargs in ({"conversation": conversation_a}, {"contact": conversation_a.contact}):
            with pytest.raises(PermissionDenied):
                services.legal_hold_place(actor=person, reason="mine", **kwargs)
        with pytest.raises(PermissionDenied):
            services.legal_hold_release(hold=hold, actor=person, reason="closed")
        client.force_login(person)
        expected = 403 if person is officer else 404
        release_url = reverse("console:legal_hold_release", args=[hold.pk])
        assert client.post(release_url, {"reason": "closed"}).status_code == expected
        api = as_(person)
        assert (
            api.post(f"/api/settings/legal-holds/{hold.pk}/release/", {"reason": "x"}).status_code
            == expected
        )
        placed = api.post(
            "/api/settings/legal-holds/",
            {"conversation": conversation_a.pk, "reason": "mine"},
            format="json",
        )
        assert placed.status_code == expected
        if person is other_manager:
            assert api.get("/api/settings/legal-holds/").json() == []
            page = client.post(
                reverse("console:legal_holds"), {"conversation": conversation_a.pk, "reason": "x"}
            )
            assert page.status_code == 422
    assert LegalHold.objects.count() == 1 and LegalHold.objects.get().released_at is None
    assert Event.objects.filter(type__startswith="records.legal_hold").count() == 1


def test_the_legal_holds_page_places_by_conversation_or_handle_and_releases(
    client, manager, conversation_a
):
    client.force_login(manager)
    url = reverse("console:legal_holds")
    assert client.post(url, {"conversation": conversation_a.pk, "reason": "FOI"}).status_code == 302
    contact = conversation_a.contact
    response = client.post(
        url, {"network": contact.network, "handle": f"@{contact.handle}", "reason": "Court order"}
    )
    assert response.status_code == 302
    assert LegalHold.objects.filter(contact=contact, reason="Court order").exists()
    page = client.get(url).content.decode()
    assert "Court order" in page and "FOI" in page
    hold = LegalHold.objects.get(conversation=conversation_a)
    release = reverse("console:legal_hold_release", args=[hold.pk])
    assert client.get(release).status_code == 200
    assert client.post(release, {"reason": ""}).status_code == 422
    assert client.post(release, {"reason": "Answered"}).status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None


def test_the_legal_holds_api_places_and_lists(manager, conversation_a):
    api = as_(manager)
    contact = conversation_a.contact
    placed = api.post(
        "/api/settings/legal-holds/",
        {"network": contact.network, "handle": contact.handle, "reason": "Court"},
        format="json",
    )
    assert placed.status_code == 201 and placed.json()["contact"] == contact.pk
    assert [h["id"] for h in api.get("/api/settings/legal-holds/").json()] == [placed.json()["id"]]
    released = api.post(
        f"/api/settings/legal-holds/{placed.json()['id']}/release/", {"reason": "Done"}
    )
    assert released.status_code == 200 and released.json()["released_at"]


# --- The Django admin writes neither ---------------------------------------------------


def test_the_django_admin_shows_retention_and_holds_but_cannot_write_them(
    client, admin_user, manager, channel_a, conversation_a
):
    policy = RetentionPolicy.objects.create(channel=channel_a, keep_days=365)
    hold = services.legal_hold_place(actor=manager, conversation=conversation_a, reason="Court")
    client.force_login(admin_user)
    for model, obj in (("retentionpolicy", policy), ("legalhold", hold)):
        assert client.get(reverse(f"admin:records_{model}_changelist")).status_code == 200
        assert (
            client.get(reverse(f"admin:records_{model}_change", args=[obj.pk])).status_code == 200
        )
        assert client.get(reverse(f"admin:records_{model}_add")).status_code == 403
        assert client.post(reverse(f"admin:records_{model}_add"), {}).status_code == 403
        assert (
            client.post(
                reverse(f"admin:records_{model}_delete", args=[obj.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        response = client.post(
            reverse(f"admin:records_{model}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert response.status_code in (200, 302)
    client.post(
        reverse("admin:records_retentionpolicy_change", args=[policy.pk]),
        {"channel": channel_a.pk, "keep_days": 1},
    )
    client.post(
        reverse("admin:records_legalhold_change", args=[hold.pk]),
        {"reason": "changed", "released_at_0": "2026-01-01", "released_at_1": "10:00"},
    )
    policy.refresh_from_db()
    hold.refresh_from_db()
    assert policy.keep_days == 365
    assert hold.reason == "Court" and hold.released_at is None
    assert RetentionPolicy.objects.count() == 1 and LegalHold.objects.count() == 1
