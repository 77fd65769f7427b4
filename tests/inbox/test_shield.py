"""The abusive-content shield: hidden until revealed, and every reveal logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Event
from inbox.services.shield import abuse_term_add, shield_load
from tests.inbox.ui_data import conversation_with

HX = {"HTTP_HX_REQUEST": "true"}
ABUSE = "you absolute scumbag, the bins were missed"


@pytest.fixture
def shielded(admin_user, channel_a):
    abuse_term_add(term="scumbag", actor=admin_user)
    abuse_term_add(term="total waste of space", actor=admin_user)
    return conversation_with(channel_a, text=ABUSE)


@pytest.mark.django_db
def test_matching_is_whole_word_and_case_insensitive(admin_user):
    abuse_term_add(term="ass", actor=admin_user)
    abuse_term_add(term="total waste of space", actor=admin_user)
    shield = shield_load()
    assert shield.matches("You ASS.")
    assert shield.matches("a Total  waste of space".replace("  ", " "))
    assert not shield.matches("first class service, thanks")
    assert not shield.matches("")


@pytest.mark.django_db
def test_an_empty_list_shields_nothing():
    assert not shield_load().matches("anything at all")


@pytest.mark.django_db
def test_text_is_withheld_from_list_and_thread(client, officer, shielded):
    client.force_login(officer)
    for url in (reverse("inbox:list"), reverse("inbox:conversation", args=[shielded.pk])):
        body = client.get(url).content.decode()
        assert "scumbag" not in body
        assert "Hidden: " in body


@pytest.mark.django_db
def test_reveal_shows_the_text_and_logs_one_event(client, officer, teammate, shielded):
    message = shielded.messages.get()
    client.force_login(officer)
    response = client.post(reverse("inbox:reveal", args=[shielded.pk, message.pk]), **HX)
    assert response.status_code == 200
    assert ABUSE in response.content.decode()
    [event] = Event.objects.filter(type="message.revealed")
    assert (event.actor, event.message_id, event.conversation_id) == (
        officer,
        message.pk,
        shielded.pk,
    )
    # It stays revealed for this officer, and only for them.
    assert ABUSE in client.get(reverse("inbox:conversation", args=[shielded.pk])).content.decode()
    client.force_login(teammate)
    assert (
        "scumbag"
        not in client.get(reverse("inbox:conversation", args=[shielded.pk])).content.decode()
    )


@pytest.mark.django_db
def test_our_own_replies_are_never_shielded(client, officer, shielded):
    client.force_login(officer)
    client.post(
        reverse("inbox:reply", args=[shielded.pk]),
        {
            "text": "Please don't call us a scumbag",
            "idempotency_key": "s" * 32,
            "seen_outbound_id": "0",
        },
        **HX,
    )
    body = client.get(reverse("inbox:thread", args=[shielded.pk]), **HX).content.decode()
    assert "Please don&#x27;t call us a scumbag" in body
