from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.models import Event, Note, Status


@pytest.mark.django_db
def test_login_required_for_inbox(client):
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_inbox_lists_only_conversations_of_own_teams(
    client, officer, conversation_a, conversation_b
):
    client.force_login(officer)
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 200
    assert list(response.context["conversations"]) == [conversation_a]
    assert reverse("inbox:conversation", args=[conversation_b.pk]) not in response.content.decode()


@pytest.mark.django_db
def test_officer_opens_own_team_conversation(client, officer, conversation_a):
    client.force_login(officer)
    assert client.get(reverse("inbox:conversation", args=[conversation_a.pk])).status_code == 200


@pytest.mark.django_db
def test_other_team_officer_gets_404_on_open(client, other_officer, conversation_a):
    client.force_login(other_officer)
    assert client.get(reverse("inbox:conversation", args=[conversation_a.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("inbox:assign_me", {}),
        ("inbox:status", {"status": "resolved"}),
        ("inbox:note", {"text": "hi"}),
    ],
)
def test_other_team_officer_cannot_act_through_views(
    client, other_officer, conversation_a, name, data
):
    client.force_login(other_officer)
    response = client.post(reverse(name, args=[conversation_a.pk]), data)
    assert response.status_code == 404
    conversation_a.refresh_from_db()
    assert (conversation_a.assignee, conversation_a.status) == (None, Status.NEW)
    assert not Note.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_officer_assigns_to_self_through_the_page(client, officer, conversation_a):
    client.force_login(officer)
    client.post(reverse("inbox:assign_me", args=[conversation_a.pk]))
    conversation_a.refresh_from_db()
    assert conversation_a.assignee == officer
    assert Event.objects.get().type == "conversation.assigned"


@pytest.mark.django_db
def test_bad_status_is_refused_with_a_message(client, officer, conversation_a):
    client.force_login(officer)
    response = client.post(
        reverse("inbox:status", args=[conversation_a.pk]), {"status": "bogus"}, follow=True
    )
    assert "Choose a valid status." in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_manager_sees_team_conversations(client, manager, conversation_a, conversation_b):
    client.force_login(manager)
    response = client.get(reverse("inbox:list"))
    assert list(response.context["conversations"]) == [conversation_a]


@pytest.mark.django_db
def test_public_text_is_escaped(client, officer, conversation_a):
    message = conversation_a.messages.get()
    message.text = "<script>alert('x')</script>"
    message.save()
    conversation_a.last_message_preview = message.text
    conversation_a.save()
    client.force_login(officer)
    for url in (reverse("inbox:list"), reverse("inbox:conversation", args=[conversation_a.pk])):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;" in body


@pytest.mark.django_db
def test_login_page_signs_in(client, officer):
    response = client.post(
        reverse("login"), {"username": "olivia", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:list")
