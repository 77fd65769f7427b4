"""Clearing a detractor flag with a reason: managers of a channel the person
wrote on and admins; officers and another team's manager are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from escalation.services.contacts import contact_detractor_clear
from events.models import Event
from inbox.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(conversation_a):
    contact = conversation_a.contact
    Contact.objects.filter(pk=contact.pk).update(is_detractor=True)
    Event.objects.create(
        type="contact.detractor_flagged",
        at=conversation_a.last_message_at,
        data={"contact_id": contact.pk, "messages_since_staff_reply": 5},
    )
    contact.refresh_from_db()
    return contact


def as_(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_manager_clears_a_flag_from_the_settings_list(client, manager, flagged):
    client.force_login(manager)
    page = client.get(reverse("console:detractors")).content.decode()
    assert f"@{flagged.handle}" in page and "after 5 messages" in page
    url = reverse("console:detractor_clear", args=[flagged.pk])
    assert client.post(url, {"reason": " "}).status_code == 422
    assert client.post(url, {"reason": "A genuine complaint"}).status_code == 302
    flagged.refresh_from_db()
    assert not flagged.is_detractor
    event = Event.objects.get(type="contact.detractor_cleared")
    assert event.actor == manager and event.data["reason"] == "A genuine complaint"
    assert event.data["target"] == f"contact:{flagged.pk}"
    assert f"@{flagged.handle}" not in client.get(reverse("console:detractors")).content.decode()


def test_the_contact_card_links_managers_to_clearing_and_comes_back(
    client, manager, officer, flagged, conversation_a
):
    conversation_url = reverse("inbox:conversation", args=[conversation_a.pk])
    card_url = reverse("inbox:contact_card", args=[conversation_a.pk])  # shown beside the thread
    client.force_login(officer)
    assert "Clear the flag" not in client.get(card_url).content.decode()
    client.force_login(manager)
    card = client.get(card_url).content.decode()
    assert "Clear the flag" in card
    clear = reverse("console:detractor_clear", args=[flagged.pk])
    assert client.get(f"{clear}?next={conversation_url}").status_code == 200
    back = client.post(clear, {"reason": "Real complaint", "next": conversation_url})
    assert back["Location"] == conversation_url
    evil = client.post(clear, {"reason": "again", "next": "https://evil.example/"})
    assert evil["Location"] == reverse("console:detractors")


def test_officers_and_another_teams_manager_cannot_clear(client, officer, other_manager, flagged):
    for person in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            contact_detractor_clear(contact=flagged, actor=person, reason="I think not")
        client.force_login(person)
        expected = 403 if person is officer else 404
        url = reverse("console:detractor_clear", args=[flagged.pk])
        assert client.post(url, {"reason": "no"}).status_code == expected
        api = as_(person)
        cleared = api.post(f"/api/settings/detractors/{flagged.pk}/clear/", {"reason": "no"})
        assert cleared.status_code == expected
        listed = api.get("/api/settings/detractors/")
        assert listed.status_code == 403 if person is officer else listed.json() == []
    flagged.refresh_from_db()
    assert flagged.is_detractor
    assert not Event.objects.filter(type="contact.detractor_cleared").exists()


def test_the_api_lists_and_clears(admin_user, flagged):
    api = as_(admin_user)
    assert [r["contact"] for r in api.get("/api/settings/detractors/").json()] == [flagged.pk]
    response = api.post(f"/api/settings/detractors/{flagged.pk}/clear/", {"reason": "Mistake"})
    assert response.status_code == 200 and response.json()["is_detractor"] is False
    assert api.post(f"/api/settings/detractors/{flagged.pk}/clear/", {}).status_code == 400
