"""Through the API, an officer of team B can neither see nor act on team A's
conversations, messages or contacts: 404, empty lists, nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Event
from inbox.models import (
    Contact,
    ConversationRead,
    Message,
    NetworkAction,
    Note,
    Notification,
    Presence,
)
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with


@pytest.fixture
def conv_a(channel_a):
    # A number the fixtures' own counter never reaches: citizen(1) is the same
    # network account as the outsider's first citizen when this file runs alone.
    return conversation_with(
        channel_a,
        author=citizen(90_001, name="Jo Resident", handle="jo_res"),
        text="Secret pothole",
    )


@pytest.fixture
def outsider(other_officer, channel_b):
    conversation_with(channel_b)  # they do have work of their own
    client = APIClient()
    client.force_authenticate(other_officer)
    return client


def _state(conv):
    conv.refresh_from_db()
    contact = Contact.objects.get(pk=conv.contact_id)
    return (
        conv.status,
        conv.assignee_id,
        conv.team_id,
        list(conv.labels.values_list("pk", flat=True)),
        contact.blocked,
        Event.objects.count(),
        Message.objects.count(),
        Note.objects.count(),
        NetworkAction.objects.count(),
        Notification.objects.count(),
        Presence.objects.count(),
        ConversationRead.objects.count(),
    )


@pytest.mark.django_db
def test_reads_are_404_or_empty(outsider, conv_a):
    pk = conv_a.pk
    message = conv_a.messages.get()
    for name in (
        "conversation_detail",
        "conversation_messages",
        "note_list",
        "canned_list",
    ):
        assert outsider.get(reverse(f"api:{name}", args=[pk])).status_code == 404, name
    listed = outsider.get(reverse("api:conversation_list"), {"view": "all"}).json()["results"]
    assert pk not in [c["id"] for c in listed]
    assert (
        outsider.get(reverse("api:conversation_list"), {"channel": conv_a.channel_id}).json()[
            "results"
        ]
        == []
    )
    search = outsider.get(reverse("api:search"), {"q": "pothole"}).json()
    assert search["messages"] == [] and search["conversations"] == []
    search = outsider.get(reverse("api:search"), {"q": "jo_res"}).json()
    assert search["conversations"] == []
    assert outsider.post(reverse("api:message_reveal", args=[message.pk])).status_code == 404


@pytest.mark.django_db
def test_every_action_is_404_and_changes_nothing(outsider, teammate, conv_a):
    pk = conv_a.pk
    message = conv_a.messages.get()
    label = LabelFactory(name="bins")
    before = _state(conv_a)
    calls = [
        ("conversation_assign", [pk], {"me": True}),
        ("conversation_assign", [pk], {"assignee": teammate.pk}),
        ("conversation_status", [pk], {"status": "resolved"}),
        ("conversation_label", [pk], {"label": label.pk}),
        ("note_create", [pk], {"text": "@tom hi"}),
        ("reply_create", [pk], {"text": "hi", "idempotency_key": "x" * 20}),
        ("conversation_presence", [pk], {"typing": True}),
        ("contact_block", [pk], {"reason": "no", "confirm": True}),
        ("contact_unblock", [pk], {}),
        ("message_like", [message.pk], {}),
        ("message_hide", [message.pk], {}),
        ("message_delete", [message.pk], {"note": "spam"}),
        ("message_reveal", [message.pk], {}),
        ("conversation_bulk", [], {"ids": [pk], "action": "resolve"}),
    ]
    for name, args, data in calls:
        response = outsider.post(reverse(f"api:{name}", args=args), data, format="json")
        assert response.status_code == 404, (name, response.status_code, response.content)
    assert _state(conv_a) == before


@pytest.mark.django_db
def test_counts_do_not_include_other_teams(outsider, conv_a):
    counts = outsider.get(reverse("api:conversation_counts")).json()
    assert counts["all"] == 1  # their own conversation only
