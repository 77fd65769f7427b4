"""The composer offers Facebook's private reply to a public comment, and
sending it goes to Messenger exactly once, through the real facebook-sdk
client over HTTP to the sandbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.models import Conversation, DeliveryState, Message
from inbox.services import outbound, polling
from tests.inbox.facebook_support import (
    JO,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_inject,
)

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def comment_thread(sandbox, fb_channel):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="My address is on the form")
    polling.channel_poll(channel_id=fb_channel.pk)
    return comment, Conversation.objects.get(kind="comment")


def _send_private(client, conversation, key: str, text: str = "Thanks Jo, we have it."):
    return client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        {"text": text, "idempotency_key": key, "seen_outbound_id": "0", "private": "on"},
        **HX,
    )


def test_the_composer_offers_a_messenger_private_reply_on_a_comment(
    client, officer, comment_thread
):
    _comment, conversation = comment_thread
    client.force_login(officer)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk]), **HX)
    html = page.content.decode()
    assert 'id="reply-private"' in html
    assert "in Messenger (Facebook allows one private reply per comment" in html
    assert "text only" in html  # a picture would be refused: say so before they try


def test_a_private_reply_from_the_composer_reaches_messenger_once(
    client, officer, sandbox, comment_thread, django_capture_on_commit_callbacks
):
    comment, conversation = comment_thread
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False):
        response = _send_private(client, conversation, "k" * 32)
        again = _send_private(client, conversation, "k" * 32)  # a double-click
    assert (response.status_code, again.status_code) == (200, 200)
    reply = Message.objects.get(direction="out")
    assert reply.kind == outbound.PRIVATE_REPLY
    assert reply.conversation.thread_key == f"fbm:{JO['id']}"
    assert reply.in_reply_to_external_id == comment["id"]
    assert outbound.message_deliver(message_id=reply.pk).state == DeliveryState.SENT
    [sent] = sandbox.outbox(network="fb", kind="private_reply")
    assert (sent["target"], sent["text"]) == (comment["id"], "Thanks Jo, we have it.")

    # Facebook allows one per comment: a second one is refused with the reason.
    second = _send_private(client, conversation, "m" * 32, text="And another thing")
    assert "already has a private reply" in second.content.decode()
    assert Message.objects.filter(direction="out").count() == 1


def test_a_private_reply_after_seven_days_is_explained_and_not_queued(
    client, officer, comment_thread, time_machine
):
    _comment, conversation = comment_thread
    time_machine.move_to(conversation.last_inbound_at + outbound.PRIVATE_REPLY_WINDOW, tick=False)
    client.force_login(officer)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk]), **HX)
    assert 'id="reply-private"' not in page.content.decode()  # no longer offered
    response = _send_private(client, conversation, "z" * 32)  # a stale page sends it anyway
    assert "only within 7 days of the comment" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_another_team_cannot_send_a_private_reply(client, other_officer, comment_thread):
    _comment, conversation = comment_thread
    client.force_login(other_officer)
    response = _send_private(client, conversation, "q" * 32)
    assert response.status_code in (403, 404)
    assert not Message.objects.filter(direction="out").exists()
