"""The inbox API: conversations, messages and every action, through the same
services as the pages, with session or token authentication."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import tokens
from events.models import Event
from inbox.models import CannedResponse, Contact, Message, NetworkAction, Notification
from inbox.services.shield import abuse_term_add
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(channel_a, author=citizen(1, name="Jo Resident"), messages=2)


def url(name, *args):
    return reverse(f"api:{name}", args=args)


@pytest.mark.django_db
def test_anonymous_requests_are_refused(client, conv_a):
    assert client.get(url("conversation_list")).status_code in (401, 403)
    assert client.get(reverse("api-schema")).status_code in (401, 403)
    assert client.get(reverse("api-docs")).status_code == 302


@pytest.mark.django_db
def test_token_authentication_works(officer, conv_a):
    _token, key = tokens.api_token_create(user=officer, name="script", verified_mfa=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(url("conversation_list"))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [conv_a.pk]


@pytest.mark.django_db
def test_session_authentication_needs_csrf_for_writes(officer, conv_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.get(url("conversation_list")).status_code == 200
    assert (
        client.post(url("conversation_status", conv_a.pk), {"status": "pending"}).status_code == 403
    )
    assert not Event.objects.filter(type="conversation.status_changed").exists()


@pytest.mark.django_db
def test_list_filters_paginates_and_shapes_rows(api, channel_a, conv_a):
    conversation_with(channel_a)
    response = api.get(url("conversation_list"), {"limit": 1})
    body = response.json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    row = api.get(url("conversation_list"), {"view": "all"}).json()["results"][-1]
    assert row["contact"]["display_name"] == "Jo Resident"
    assert row["channel"]["handle"] == "@council_help"
    assert row["unread"] is True and row["preview_shielded"] is False
    bad = api.get(url("conversation_list"), {"view": "nonsense"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_counts(api, conv_a):
    assert api.get(url("conversation_counts")).json()["all"] == 1


@pytest.mark.django_db
def test_detail_and_messages(api, conv_a):
    assert api.get(url("conversation_detail", conv_a.pk)).json()["id"] == conv_a.pk
    messages = api.get(url("conversation_messages", conv_a.pk)).json()
    assert [m["text"] for m in messages] == [
        "@council_help message 0 about Elm Road",
        "@council_help message 1 about Elm Road",
    ]


@pytest.mark.django_db
def test_assign_status_label_each_write_one_event(api, officer, teammate, team_a, conv_a):
    label = LabelFactory(name="bins")
    before = Event.objects.count()
    assert (
        api.post(url("conversation_assign", conv_a.pk), {"me": True}, format="json").json()[
            "assignee"
        ]["id"]
        == officer.pk
    )
    out = api.post(
        url("conversation_assign", conv_a.pk),
        {"assignee": teammate.pk, "team": team_a.pk},
        format="json",
    ).json()
    assert (out["assignee"]["id"], out["team"]["id"]) == (teammate.pk, team_a.pk)
    assert (
        api.post(url("conversation_status", conv_a.pk), {"status": "pending"}).json()["status"]
        == "pending"
    )
    assert api.post(url("conversation_label", conv_a.pk), {"label": label.pk}).json()["labels"] == [
        {"id": label.pk, "name": "bins"}
    ]
    assert [e.type for e in Event.objects.order_by("pk")[before:]] == [
        "conversation.assigned",
        "conversation.assigned",
        "conversation.status_changed",
        "conversation.labelled",
    ]


@pytest.mark.django_db
def test_assign_to_a_non_covering_person_is_a_400(api, other_officer, conv_a):
    response = api.post(
        url("conversation_assign", conv_a.pk), {"assignee": other_officer.pk}, format="json"
    )
    assert response.status_code == 400
    assert "does not cover" in response.json()["detail"]


@pytest.mark.django_db
def test_note_create_with_mention(api, teammate, conv_a):
    response = api.post(url("note_create", conv_a.pk), {"text": "@tom look"}, format="json")
    assert response.status_code == 201
    assert [p["id"] for p in response.json()["notified"]] == [teammate.pk]
    assert Notification.objects.get().user == teammate
    assert [n["text"] for n in api.get(url("note_list", conv_a.pk)).json()] == ["@tom look"]


@pytest.mark.django_db
def test_api_refuses_control_characters_with_what_is_wrong(api, conv_a):
    note = api.post(url("note_create", conv_a.pk), {"text": "bins\x00"}, format="json")
    assert note.status_code == 400
    assert note.json()["text"] == [
        "NUL and other control characters are not allowed: remove NUL (a null character)."
    ]
    search = api.get(url("search"), {"q": "Jo\u202eBloggs"})
    assert search.status_code == 400
    assert "text-direction control" in search.json()["q"][0]
    reply = api.post(
        url("reply_create", conv_a.pk),
        {"text": "Hi", "idempotency_key": "a" * 20 + "\r\nX-Evil: 1"},
        format="json",
    )
    assert reply.status_code == 400 and "line break" in reply.json()["idempotency_key"][0]
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db
def test_reply_is_idempotent_and_detects_collisions(api, client, teammate, conv_a):
    data = {"text": "We're on it", "idempotency_key": "a" * 20}
    first = api.post(url("reply_create", conv_a.pk), data, format="json")
    again = api.post(url("reply_create", conv_a.pk), data, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.filter(direction="out").count() == 1
    colleague = APIClient()
    colleague.force_authenticate(teammate)
    clash = colleague.post(
        url("reply_create", conv_a.pk),
        {"text": "Me too", "idempotency_key": "b" * 20},
        format="json",
    )
    assert clash.status_code == 409
    assert clash.json()["collisions"][0]["text"] == "We're on it"
    assert Message.objects.filter(direction="out").count() == 1
    ok = colleague.post(
        url("reply_create", conv_a.pk),
        {"text": "Me too", "idempotency_key": "b" * 20, "confirm": True},
        format="json",
    )
    assert ok.status_code == 201


@pytest.mark.django_db
def test_a_key_used_by_someone_else_never_returns_their_message(api, teammate, channel_a, conv_a):
    """An attacker who learns (or guesses) a colleague's idempotency key must
    not read back the colleague's message, nor queue nothing and think it sent."""
    key = {"idempotency_key": "k" * 20}
    mine = api.post(
        url("reply_create", conv_a.pk), {"text": "Officer's words", **key}, format="json"
    )
    assert mine.status_code == 201
    colleague = APIClient()
    colleague.force_authenticate(teammate)
    stolen = colleague.post(
        url("reply_create", conv_a.pk),
        {"text": "Other words", "confirm": True, **key},
        format="json",
    )
    assert stolen.status_code == 409
    assert "Officer's words" not in stolen.content.decode()
    assert "idempotency key" in stolen.json()["detail"]
    # The same author reusing the key for another conversation is refused too.
    other = conversation_with(channel_a, author=citizen(2, name="Sam Elsewhere"), messages=1)
    elsewhere = api.post(
        url("reply_create", other.pk), {"text": "Officer's words", **key}, format="json"
    )
    assert elsewhere.status_code == 409
    assert Message.objects.filter(direction="out").count() == 1
    assert Message.objects.get(direction="out").conversation_id == conv_a.pk


@pytest.mark.django_db
def test_too_long_reply_is_a_400(api, conv_a):
    response = api.post(
        url("reply_create", conv_a.pk),
        {"text": "x" * 281, "idempotency_key": "c" * 20},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Too long for X: 281 of 280 characters."


@pytest.mark.django_db
def test_canned_responses_are_filled(api, officer, conv_a):
    CannedResponse.objects.create(title="Hi", text="Hi {first_name}, {officer} from {channel}")
    [canned] = api.get(url("canned_list", conv_a.pk)).json()
    assert canned["text"] == f"Hi Jo, {officer.display_name} from Riverside Council"


@pytest.mark.django_db
def test_like_hide_reveal(api, admin_user, channel_a, conv_a):
    message = conv_a.messages.first()
    like = api.post(url("message_like", message.pk))
    assert like.status_code == 202 and like.json()["kind"] == "like"
    assert api.post(url("message_hide", message.pk)).status_code == 400  # no reason given
    hidden = api.post(url("message_hide", message.pk), {"note": "Spam link"}, format="json")
    assert hidden.status_code == 202 and hidden.json()["reason"] == "Other: Spam link"
    assert NetworkAction.objects.count() == 2
    abuse_term_add(term="scumbag", actor=admin_user)
    rude = conversation_with(channel_a, text="scumbag council").messages.get()
    [shown] = api.get(url("conversation_messages", rude.conversation_id)).json()
    assert (shown["text"], shown["shielded"]) == (None, True)
    revealed = api.post(url("message_reveal", rude.pk)).json()
    assert revealed["text"] == "scumbag council"
    assert Event.objects.filter(type="message.revealed").count() == 1


@pytest.mark.django_db
def test_block_and_unblock(api, conv_a):
    refused = api.post(
        url("contact_block", conv_a.pk), {"reason": "abuse", "confirm": False}, format="json"
    )
    assert refused.status_code == 400
    done = api.post(
        url("contact_block", conv_a.pk), {"reason": "abuse", "confirm": True}, format="json"
    )
    assert done.json()["blocked"] is True
    assert Contact.objects.get(pk=conv_a.contact_id).blocked_reason == "abuse"
    assert api.post(url("contact_unblock", conv_a.pk)).json()["blocked"] is False


@pytest.mark.django_db
def test_bulk(api, officer, channel_a, conv_a):
    other = conversation_with(channel_a)
    response = api.post(
        url("conversation_bulk"),
        {"ids": [conv_a.pk, other.pk], "action": "assign", "me": True},
        format="json",
    )
    assert response.json() == {"changed": 2}
    assert (
        api.post(
            url("conversation_bulk"), {"ids": [], "action": "resolve"}, format="json"
        ).status_code
        == 400
    )


@pytest.mark.django_db
def test_presence(api, teammate, conv_a):
    colleague = APIClient()
    colleague.force_authenticate(teammate)
    colleague.post(url("conversation_presence", conv_a.pk), {"typing": True}, format="json")
    others = api.post(url("conversation_presence", conv_a.pk), {}, format="json").json()
    assert others == [{"name": str(teammate), "typing": True}]


@pytest.mark.django_db
def test_search_and_notifications(api, officer, conv_a):
    body = api.get(url("search"), {"q": "Jo"}).json()
    assert [c["id"] for c in body["conversations"]] == [conv_a.pk]
    assert api.get(url("search"), {"q": ""}).status_code == 400
    Notification.objects.create(user=officer, text="hello")
    assert [n["text"] for n in api.get(url("notification_list")).json()] == ["hello"]
    assert api.post(url("notification_read")).json() == {"marked": 1}


@pytest.mark.django_db
def test_schema_and_docs_are_served(client, officer):
    client.force_login(officer)
    schema = client.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/conversations/{id}/replies/create/" in paths
    assert "409" in paths["/api/conversations/{id}/replies/create/"]["post"]["responses"]
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert "POST /api/conversations/{id}/assign/" in docs.content.decode()
