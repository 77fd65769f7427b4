"""A picture in a Messenger or Instagram Direct reply: those networks carry
text or one attachment per message, so the picture goes first as a message
of its own (uploaded in the same Send API call as ``filedata``), then the
text. Through the real facebook-sdk client against the sandbox: each part
reaches the network exactly once whatever answer is lost, and the thread
shows one reply with its picture, not a second copy read back by the poll."""

from __future__ import annotations

import io

import pytest
import requests
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from inbox.models import Conversation, DeliveryState, Direction, Message, MessageMedia
from inbox.networks import client_for
from inbox.networks.base import OutboundImage
from inbox.networks.instagram_mapping import message_key
from inbox.services import outbound, polling
from inbox.services.replies import reply_send
from tests.inbox import facebook_support as fb
from tests.inbox import instagram_support as ig
from tests.inbox.facebook_support import fb_channel_fixture  # noqa: F401
from tests.inbox.instagram_support import ig_channel_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
ALT = "Map of the Elm Rd diversion"
MESSAGES = r"/messages$"


def photo(size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(params=["facebook", "instagram"])
def direct(request, sandbox):
    """A direct-message thread from Jo, polled in, on each network."""
    if request.param == "facebook":
        channel = request.getfixturevalue("fb_channel")
        fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Where is the diversion?")
        jo = fb.JO["id"]
    else:
        channel = request.getfixturevalue("ig_channel")
        ig.ig_inject(sandbox, kind="dm", author=ig.JO, text="Where is the diversion?")
        jo = ig.JO["id"]
    polling.channel_poll(channel_id=channel.pk)
    channel.jo = jo
    return channel


def reply(officer, *, key="p" * 16, text="Here is the map."):
    return reply_send(
        conversation=Conversation.objects.get(kind="private"),
        actor=officer,
        text=text,
        idempotency_key=key,
        seen_outbound_id=0,
        image_data=photo(),
        image_alt=ALT,
    ).message


def sent_messages(sandbox, jo):
    return [m for m in sandbox.outbox(kind="message") if m["target"] == jo]


def retry(message):
    Message.objects.filter(pk=message.pk).update(not_before=None)
    return outbound.message_deliver(message_id=message.pk).state


def assert_sent_once(sandbox, direct, message):
    """On the network: exactly one picture-only message, then exactly one text."""
    picture, text = sent_messages(sandbox, direct.jo)
    assert picture["text"] == "" and len(picture["meta"]["media"]) == 1
    assert picture["meta"]["media"][0]["content_type"] == "image/jpeg"
    assert text["text"] == "Here is the map." and "media" not in text["meta"]
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    assert message.external_id.removeprefix("igmid:")
    media = MessageMedia.objects.get(message=message)
    assert media.key, "the picture's network id is kept"
    return picture, text


def test_the_client_sends_a_picture_alone_in_one_upload_call(sandbox, direct):
    client = client_for(direct)
    key = client.send_private_picture(
        recipient_id=direct.jo,
        image=OutboundImage(body=photo(), content_type="image/jpeg", alt_text=ALT),
    )
    [sent] = sent_messages(sandbox, direct.jo)
    assert sent["text"] == "" and sent["meta"]["media"][0]["bytes"] > 1000
    assert key


def test_a_reply_with_a_picture_sends_the_picture_then_the_text_once(sandbox, direct, officer):
    message = reply(officer)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert_sent_once(sandbox, direct, message)


def test_the_poll_does_not_show_the_picture_a_second_time(sandbox, direct, officer):
    message = reply(officer)
    outbound.message_deliver(message_id=message.pk)
    polling.channel_poll(channel_id=direct.pk)
    polling.channel_poll(channel_id=direct.pk)
    ours = Message.objects.filter(direction=Direction.OUT)
    assert list(ours.values_list("pk", flat=True)) == [message.pk]
    assert MessageMedia.objects.filter(message__direction=Direction.OUT).count() == 1


def test_a_lost_answer_to_the_picture_is_reconciled_not_sent_twice(sandbox, direct, officer):
    message = reply(officer)
    sandbox.fault(network="fb", method="POST", path=MESSAGES, kind="after_write_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert len(sent_messages(sandbox, direct.jo)) == 1  # the picture reached the network
    assert MessageMedia.objects.get(message=message).key == ""

    assert retry(message) == DeliveryState.SENT
    picture, _ = assert_sent_once(sandbox, direct, message)
    # The picture found on the network, not a second one sent.
    assert MessageMedia.objects.get(message=message).key == message_key(picture["result_id"])


def test_a_lost_answer_to_the_text_sends_neither_part_again(sandbox, direct, officer):
    message = reply(officer)
    sandbox.fault(network="fb", method="POST", path=MESSAGES, kind="after_write_error", skip=1)
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert MessageMedia.objects.get(message=message).key  # kept before the text was sent

    assert retry(message) == DeliveryState.SENT
    assert_sent_once(sandbox, direct, message)


def test_a_failed_picture_sends_nothing_and_is_retried(sandbox, direct, officer):
    message = reply(officer)
    sandbox.fault(network="fb", method="POST", path=MESSAGES, kind="server_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert sent_messages(sandbox, direct.jo) == []
    assert retry(message) == DeliveryState.SENT
    assert_sent_once(sandbox, direct, message)


def test_a_failed_text_after_the_picture_sends_only_the_text_on_retry(sandbox, direct, officer):
    message = reply(officer)
    sandbox.fault(network="fb", method="POST", path=MESSAGES, kind="server_error", skip=1)
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert len(sent_messages(sandbox, direct.jo)) == 1
    assert retry(message) == DeliveryState.SENT
    assert_sent_once(sandbox, direct, message)


def test_two_replies_with_pictures_each_keep_their_own(sandbox, direct, officer):
    first = reply(officer, key="a" * 16)
    outbound.message_deliver(message_id=first.pk)
    second = reply(officer, key="b" * 16, text="And the second map.")
    sandbox.fault(network="fb", method="POST", path=MESSAGES, kind="after_write_error")
    outbound.message_deliver(message_id=second.pk)
    assert retry(second) == DeliveryState.SENT
    keys = list(MessageMedia.objects.values_list("key", flat=True))
    assert len(set(keys)) == 2 and all(keys)
    assert len(sent_messages(sandbox, direct.jo)) == 4


@pytest.mark.parametrize("network", ["facebook", "instagram"])
def test_a_private_reply_to_a_comment_stays_text_only(sandbox, officer, network, request):
    if network == "facebook":
        channel = request.getfixturevalue("fb_channel")
        fb.fb_inject(sandbox, kind="comment", author=fb.JO, text="Where is the diversion?")
    else:
        channel = request.getfixturevalue("ig_channel")
        ig.ig_inject(sandbox, kind="comment", author=ig.JO, text="Where is the diversion?")
    polling.channel_poll(channel_id=channel.pk)
    with pytest.raises(ValidationError, match="cannot carry a picture"):
        reply_send(
            conversation=Conversation.objects.get(kind="comment"),
            actor=officer,
            text="See the map",
            idempotency_key="c" * 16,
            seen_outbound_id=0,
            private=True,
            image_data=photo(),
            image_alt=ALT,
        )
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_an_instagram_comment_reply_cannot_carry_a_picture(sandbox, ig_channel, officer):
    ig.ig_inject(sandbox, kind="comment", author=ig.JO, text="Where is the diversion?")
    polling.channel_poll(channel_id=ig_channel.pk)
    with pytest.raises(ValidationError, match="cannot carry a picture on Instagram"):
        reply_send(
            conversation=Conversation.objects.get(kind="comment"),
            actor=officer,
            text="See the map",
            idempotency_key="d" * 16,
            seen_outbound_id=0,
            image_data=photo(),
            image_alt=ALT,
        )


# --- the sandbox speaks the Send API's rules ----------------------------------------------


def send_api(sandbox, *, message: str, files=None):
    return requests.post(
        f"{sandbox.url}/fb/v21.0/{fb.PAGE_ID}/messages",
        data={
            "access_token": fb.PAGE_TOKEN,
            "recipient": f'{{"id": "{fb.JO["id"]}"}}',
            "messaging_type": "RESPONSE",
            "message": message,
        },
        files=files,
        timeout=5,
    )


def test_the_sandbox_refuses_text_and_attachment_together_and_a_non_image(sandbox, fb_channel):
    fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Hello")
    both = send_api(
        sandbox,
        message='{"text": "hi", "attachment": {"type": "image", "payload": {}}}',
        files={"filedata": ("a.jpg", photo(), "image/jpeg")},
    )
    assert both.status_code == 400 and "Only one of" in both.json()["error"]["message"]
    not_image = send_api(
        sandbox,
        message='{"attachment": {"type": "image", "payload": {}}}',
        files={"filedata": ("a.jpg", b"<html>", "image/jpeg")},
    )
    assert not_image.status_code == 400
    no_file = send_api(sandbox, message='{"attachment": {"type": "image", "payload": {}}}')
    assert no_file.status_code == 400
    assert sandbox.outbox(kind="message") == []


def test_the_composer_offers_a_picture_in_a_direct_thread_only(
    client, sandbox, direct, officer, request
):
    client.force_login(officer)
    thread = Conversation.objects.get(kind="private")
    page = client.get(reverse("inbox:conversation", args=[thread.pk])).content.decode()
    assert 'name="image_alt"' in page and 'enctype="multipart/form-data"' in page
    if direct.network == "instagram":
        ig.ig_inject(sandbox, kind="comment", author=ig.SAM, text="Open on Sunday?")
        polling.channel_poll(channel_id=direct.pk)
        comment = Conversation.objects.get(kind="comment")
        page = client.get(reverse("inbox:conversation", args=[comment.pk])).content.decode()
        assert 'name="image_alt"' not in page


def test_the_composer_says_the_picture_goes_apart_without_its_description(
    client, sandbox, direct, officer
):
    client.force_login(officer)
    thread = Conversation.objects.get(kind="private")
    page = client.get(reverse("inbox:conversation", args=[thread.pk])).content.decode()
    network = "Facebook" if direct.network == "facebook" else "Instagram"
    assert f"{network} keeps no description for a picture in a message" in page
    assert "just before your text" in page
