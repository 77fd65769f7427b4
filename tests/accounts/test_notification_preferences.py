"""The account page's notification setting: e-mail on assignment, off by
default, changed only by the person themselves, logged when it changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Event

pytestmark = pytest.mark.django_db


def test_the_account_page_offers_the_setting(client, officer):
    client.force_login(officer)
    body = client.get(reverse("security")).content.decode()
    assert 'name="email_on_assignment"' in body
    assert "Also e-mail me when a colleague assigns me a conversation" in body


def test_turning_it_on_and_off(client, officer):
    client.force_login(officer)
    response = client.post(reverse("notification_preferences"), {"email_on_assignment": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("security")
    officer.refresh_from_db()
    assert officer.email_on_assignment
    client.post(reverse("notification_preferences"), {"email_on_assignment": "on"})  # unchanged
    client.post(reverse("notification_preferences"), {})
    officer.refresh_from_db()
    assert not officer.email_on_assignment
    changes = Event.objects.filter(type="account.preferences_changed").order_by("pk")
    assert [e.data["email_on_assignment"] for e in changes] == [True, False]
    assert all(e.actor == officer for e in changes)


def test_it_needs_a_signed_in_post(client, officer):
    assert (
        client.post(reverse("notification_preferences"), {"email_on_assignment": "on"}).status_code
        == 302
    )
    officer.refresh_from_db()
    assert not officer.email_on_assignment
    client.force_login(officer)
    assert client.get(reverse("notification_preferences")).status_code == 405
