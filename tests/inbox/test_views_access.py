"""An officer of team B can neither see nor act on team A's conversation,
through pages, htmx fragments or search: 404, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Event
from inbox.models import (
    AbuseTerm,
    CannedResponse,
    Contact,
    Conversation,
    ConversationRead,
    Message,
    NetworkAction,
    Note,
    Notification,
    Presence,
)
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(
        channel_a, author=citizen(1, name="Jo Resident", handle="jo_res"), text="Secret pothole"
    )


def _snapshot(conv):
    conv.refresh_from_db()
    contact = Contact.objects.get(pk=conv.contact_id)
    return {
        "conv": (conv.status, conv.assignee_id, conv.team_id, conv.priority),
        "labels": list(conv.labels.values_list("pk", flat=True)),
        "contact": (contact.blocked, contact.blocked_reason),
        "events": Event.objects.count(),
        "messages": Message.objects.count(),
        "notes": Note.objects.count(),
        "actions": NetworkAction.objects.count(),
        "notifications": Notification.objects.count(),
        "presence": Presence.objects.count(),
        "reads": ConversationRead.objects.count(),
    }


def _posts(conv, message, label, teammate):
    pk = conv.pk
    return [
        ("inbox:assign_me", [pk], {}),
        ("inbox:assign", [pk], {"assignee": str(teammate.pk)}),
        ("inbox:status", [pk], {"status": "resolved"}),
        ("inbox:resolve", [pk], {}),
        ("inbox:label", [pk], {"label": str(label.pk)}),
        ("inbox:note", [pk], {"text": "@tom hi"}),
        (
            "inbox:reply",
            [pk],
            {"text": "hello", "idempotency_key": "z" * 32, "seen_outbound_id": "0"},
        ),
        ("inbox:block", [pk], {"reason": "x", "confirm": "on"}),
        ("inbox:unblock", [pk], {}),
        ("inbox:like", [pk, message.pk], {}),
        ("inbox:hide", [pk, message.pk], {}),
        ("inbox:reveal", [pk, message.pk], {}),
        ("inbox:presence", [pk], {}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_other_team_cannot_act_through_any_action(client, other_officer, teammate, conv_a, htmx):
    message = conv_a.messages.get()
    label = LabelFactory(name="bins")
    client.force_login(other_officer)  # (signing in may itself be audited)
    before = _snapshot(conv_a)
    extra = HX if htmx else {}
    for name, args, data in _posts(conv_a, message, label, teammate):
        response = client.post(reverse(name, args=args), data, **extra)
        assert response.status_code == 404, name
    response = client.post(reverse("inbox:presence", args=[conv_a.pk]) + "?typing=1", **extra)
    assert response.status_code == 404
    assert _snapshot(conv_a) == before


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_other_team_cannot_open_pages_or_fragments(client, other_officer, conv_a, htmx):
    client.force_login(other_officer)
    extra = HX if htmx else {}
    for name in ("inbox:conversation", "inbox:thread", "inbox:composer"):
        response = client.get(reverse(name, args=[conv_a.pk]), **extra)
        assert response.status_code == 404, name
    assert not ConversationRead.objects.exists()
    assert not Presence.objects.exists()


@pytest.mark.django_db
def test_other_team_sees_nothing_in_lists_counts_or_search(client, other_officer, conv_a):
    client.force_login(other_officer)
    for params in ({}, {"view": "all"}, {"view": "unassigned"}, {"channel": conv_a.channel_id}):
        for extra in ({}, HX):
            response = client.get(reverse("inbox:list"), params, **extra)
            assert response.context["page"].rows == []
            assert "Jo Resident" not in response.content.decode()
    counts = client.get(reverse("inbox:counts")).context["saved_views"]
    assert all(v["count"] in (0, None) for v in counts)
    for q in ("pothole", "Jo", "jo_res", "@jo_res"):
        response = client.get(reverse("inbox:search"), {"q": q})
        results = response.context["results"]
        assert results.messages == [] and results.conversations == [], q
        assert "Secret pothole" not in response.content.decode()


@pytest.mark.django_db
def test_bulk_including_another_teams_conversation_changes_nothing(
    client, officer, channel_b, conv_a
):
    conv_b = conversation_with(channel_b)
    client.force_login(officer)
    before = _snapshot(conv_a)
    response = client.post(
        reverse("inbox:bulk"), {"ids": [conv_a.pk, conv_b.pk], "action": "resolve"}, **HX
    )
    assert response.status_code == 404
    assert _snapshot(conv_a) == before
    conv_b.refresh_from_db()
    assert conv_b.status == "new"


@pytest.mark.django_db
def test_message_of_another_conversation_cannot_be_used(
    client, officer, channel_a, channel_b, conv_a
):
    """A message id from team B's conversation, put in team A's URL, is a 404."""
    conv_b = conversation_with(channel_b)
    foreign = conv_b.messages.get()
    client.force_login(officer)
    for name in ("inbox:like", "inbox:hide", "inbox:reveal"):
        response = client.post(reverse(name, args=[conv_a.pk, foreign.pk]), **HX)
        assert response.status_code == 404, name
    # And one of another conversation we may see is refused without acting.
    sibling = conversation_with(channel_a).messages.get()
    response = client.post(reverse("inbox:like", args=[conv_a.pk, sibling.pk]), **HX)
    assert response.status_code == 422
    assert not NetworkAction.objects.exists()


@pytest.mark.django_db
def test_notifications_are_private(client, officer, teammate, conv_a):
    Notification.objects.create(user=teammate, text="for tom only", url="/")
    client.force_login(officer)
    assert "for tom only" not in client.get(reverse("inbox:notifications")).content.decode()
    client.post(reverse("inbox:notifications"))
    assert Notification.objects.get().read_at is None


@pytest.mark.django_db
def test_only_admins_manage_the_abuse_word_list(client, officer, manager, admin_user):
    url = reverse("console:abuse_terms")
    client.force_login(officer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"term": "idiot"}).status_code == 403
    # Managers read the page (the exposure table) but do not change the list.
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200 and "Add to the list" not in page.content.decode()
    assert client.post(url, {"term": "idiot"}).status_code == 403
    assert not AbuseTerm.objects.exists()
    client.force_login(admin_user)
    assert client.post(url, {"term": "Idiot"}).status_code == 302
    assert list(AbuseTerm.objects.values_list("term", flat=True)) == ["idiot"]
    assert Event.objects.filter(type="shield.term_added").count() == 1
    duplicate = client.post(url, {"term": "idiot"})
    assert duplicate.status_code == 422
    term = AbuseTerm.objects.get()
    client.force_login(manager)
    assert client.post(reverse("console:abuse_term_remove", args=[term.pk])).status_code == 403
    client.force_login(admin_user)
    client.post(reverse("console:abuse_term_remove", args=[term.pk]))
    assert not AbuseTerm.objects.exists()
    assert Event.objects.filter(type="shield.term_removed").count() == 1


@pytest.mark.django_db
def test_the_old_abuse_shield_address_sends_people_to_settings(client, manager):
    client.force_login(manager)
    response = client.get(reverse("inbox:abuse_terms"))
    assert response.status_code == 301
    assert response["Location"] == reverse("console:abuse_terms")


@pytest.mark.django_db
def test_canned_response_lookup_is_scoped(client, other_officer, team_a, conv_a):
    canned = CannedResponse.objects.create(title="A only", text="x")
    canned.teams.add(team_a)
    client.force_login(other_officer)
    assert (
        client.get(reverse("inbox:composer", args=[conv_a.pk]), {"canned": canned.pk}).status_code
        == 404
    )
    assert Conversation.objects.count() == 1
