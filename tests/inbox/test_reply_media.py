"""A reply with one picture and its alt text: X's media upload then
``media.media_ids`` on the tweet (or ``attachments`` on a DM), through the
real tweepy clients against the sandbox; checked and re-encoded before it is
queued; still sent exactly once."""

from __future__ import annotations

import io

import pytest
import requests
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from inbox.models import Conversation, DeliveryState, Message, MessageMedia
from inbox.networks import client_for
from inbox.networks.base import OutboundImage
from inbox.services import outbound, polling
from inbox.services.replies import reply_send
from tests.inbox.facebook_support import JO, fb_channel_fixture, fb_inject  # noqa: F401

pytestmark = pytest.mark.django_db
TWEETS = r"^/2/tweets$"
ALT = "Map of the Elm Rd diversion"


def photo(size=(1600, 1200), *, gps=True, fmt="JPEG") -> bytes:
    """A camera photo: with the EXIF a phone writes (make, GPS) unless told not."""
    image = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneCam"
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 1.0), 3: "W", 4: (0.0, 7.0, 2.0)}
        image.save(out, format=fmt, exif=exif.tobytes())
    else:
        image.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def mention(sandbox, x_channel):
    [tweet] = sandbox.inject(kind="mention", account_id="999", text="@council_help diversion?")
    polling.channel_poll(channel_id=x_channel.pk)
    return tweet


def send(officer, *, key="k" * 16, data=None, alt=ALT, private=False, text="Here is the map."):
    return reply_send(
        conversation=Conversation.objects.get(kind="public"),
        actor=officer,
        text=text,
        idempotency_key=key,
        seen_outbound_id=0,
        image_data=photo() if data is None else data,
        image_alt=alt,
        private=private,
    ).message


def cdn_image(sandbox, media_key: str) -> Image.Image:
    [tweet] = [t for t in sandbox.outbox(kind="tweet") if t.get("meta")]
    assert tweet["meta"]["media"][0]["media_key"] == media_key
    number = media_key.split("_", 1)[1]
    for ext in ("jpg", "png"):
        got = requests.get(f"{sandbox.url}/cdn/pbs.twimg.com/media/up{number}.{ext}", timeout=5)
        if got.status_code == 200:
            return Image.open(io.BytesIO(got.content))
    raise AssertionError("the upload is not on the CDN")


# --- the connector ------------------------------------------------------------------------


def test_the_x_client_uploads_the_picture_sets_its_alt_text_and_attaches_it(
    sandbox, x_channel, mention
):
    image = OutboundImage(body=photo(gps=False), content_type="image/jpeg", alt_text=ALT)
    sent = client_for(x_channel).send_reply(
        in_reply_to=mention["id"], text="Here is the map.", media=[image]
    )

    [upload] = sandbox.outbox(kind="media_upload")
    [tweet] = sandbox.outbox(kind="tweet")
    assert tweet["result_id"] == sent.external_id and tweet["target"] == mention["id"]
    assert tweet["meta"]["media"] == [
        {"media_key": f"3_{upload['result_id']}", "alt_text": ALT, "bytes": len(image.body)}
    ]


def test_the_x_client_sends_a_dm_with_a_picture(sandbox, x_channel, mention):
    image = OutboundImage(body=photo(gps=False), content_type="image/jpeg", alt_text=ALT)
    client_for(x_channel).send_private(
        thread_key="", recipient_id=mention["author_id"], text="The map", media=[image]
    )
    [dm] = sandbox.outbox(kind="dm")
    assert dm["meta"]["media"][0]["alt_text"] == ALT


# --- the service and the worker -----------------------------------------------------------


def test_a_queued_reply_keeps_a_clean_picture_and_sends_it_once(
    sandbox, x_channel, mention, officer
):
    message = send(officer)
    media = MessageMedia.objects.get(message=message)
    assert (media.kind, media.alt_text, media.content_type) == ("image", ALT, "image/jpeg")
    stored = Image.open(io.BytesIO(bytes(media.upload)))
    assert dict(stored.getexif()) == {}  # no camera, no GPS

    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [tweet] = sandbox.outbox(kind="tweet")
    assert len(sandbox.outbox(kind="media_upload")) == 1
    on_x = cdn_image(sandbox, tweet["meta"]["media"][0]["media_key"])
    assert dict(on_x.getexif()) == {} and on_x.size == (1600, 1200)
    assert tweet["meta"]["media"][0]["alt_text"] == ALT


def test_a_double_clicked_send_queues_one_reply_with_one_picture(
    sandbox, x_channel, mention, officer
):
    first, second = send(officer), send(officer)
    assert first.pk == second.pk
    assert MessageMedia.objects.count() == 1


def test_a_lost_answer_is_reconciled_not_posted_twice(sandbox, x_channel, mention, officer):
    message = send(officer)
    sandbox.fault(method="POST", path=TWEETS, kind="after_write_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    Message.objects.filter(pk=message.pk).update(not_before=None)

    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [tweet] = sandbox.outbox(kind="tweet")
    message.refresh_from_db()
    assert message.external_id == tweet["result_id"]


def test_a_failed_upload_posts_nothing_and_is_retried(sandbox, x_channel, mention, officer):
    message = send(officer)
    sandbox.fault(method="POST", path=r"^/1\.1/media/upload\.json$", kind="server_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert sandbox.outbox(kind="tweet") == []
    Message.objects.filter(pk=message.pk).update(not_before=None)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert len(sandbox.outbox(kind="tweet")) == 1


def test_a_private_reply_on_x_carries_the_picture_in_the_dm(sandbox, x_channel, mention, officer):
    message = send(officer, private=True)
    assert message.conversation.kind == "private"
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [dm] = sandbox.outbox(kind="dm")
    assert dm["meta"]["media"][0]["alt_text"] == ALT


@pytest.mark.parametrize(
    ("data", "alt", "problem"),
    [
        (None, "   ", "Describe the picture"),
        (None, "x" * 1001, "at most 1000 characters"),
        (b"<html>not a picture</html>", ALT, "cannot be sent as a picture"),
        (b"\0" * (5 * 1024 * 1024 + 1), ALT, "larger than 5 MB"),
    ],
)
def test_a_picture_without_alt_text_too_large_or_not_an_image_is_refused(
    sandbox, x_channel, mention, officer, data, alt, problem
):
    with pytest.raises(ValidationError, match=problem):
        send(officer, data=data, alt=alt)
    assert not Message.objects.filter(direction="out").exists()


def test_a_facebook_comment_reply_carries_its_photo_in_one_write(sandbox, fb_channel, officer):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="Where is the diversion?")
    polling.channel_poll(channel_id=fb_channel.pk)
    message = reply_send(
        conversation=Conversation.objects.get(),
        actor=officer,
        text="See the map",
        idempotency_key="f" * 16,
        seen_outbound_id=0,
        image_data=photo(),
        image_alt=ALT,
    ).message
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [sent] = sandbox.outbox(kind="comment")
    assert (sent["target"], sent["text"]) == (comment["id"], "See the map")
    [media] = sent["meta"]["media"]
    assert media["bytes"] == MessageMedia.objects.get(message=message).size_bytes
    path = media_path(sandbox, sent["result_id"])
    on_facebook = Image.open(io.BytesIO(requests.get(path, timeout=5).content))
    assert dict(on_facebook.getexif()) == {} and on_facebook.size == (1600, 1200)


def test_a_lost_facebook_photo_reply_is_reconciled_not_posted_twice(sandbox, fb_channel, officer):
    fb_inject(sandbox, kind="comment", author=JO, text="Where is the diversion?")
    polling.channel_poll(channel_id=fb_channel.pk)
    message = reply_send(
        conversation=Conversation.objects.get(),
        actor=officer,
        text="See the map",
        idempotency_key="g" * 16,
        seen_outbound_id=0,
        image_data=photo(),
        image_alt=ALT,
    ).message
    sandbox.post(
        "/_sandbox/faults",
        {"network": "fb", "method": "POST", "path": "/comments$", "kind": "after_write_error"},
    )
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    Message.objects.filter(pk=message.pk).update(not_before=None)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert len(sandbox.outbox(kind="comment")) == 1


def media_path(sandbox, comment_id: str) -> str:
    """Where the sandbox CDN serves the photo of one of the Page's comments,
    read back through Graph's ``attachment`` field."""
    page = requests.get(
        f"{sandbox.url}/fb/v21.0/{comment_id}",
        params={"fields": "attachment", "access_token": "sbx-page-104857600000-riverside"},
        timeout=5,
    ).json()
    src = page["attachment"]["media"]["image"]["src"]
    return f"{sandbox.url}/cdn/" + src.removeprefix("https://").split("?")[0]


# --- the composer and the API --------------------------------------------------------------


def test_the_composer_sends_a_picture_with_its_alt_text(
    client, sandbox, x_channel, mention, officer
):
    conversation = Conversation.objects.get(kind="public")
    client.force_login(officer)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="image_alt"' in page

    upload = io.BytesIO(photo())
    upload.name = "map.jpg"
    response = client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        {
            "text": "Here is the map.",
            "idempotency_key": "c" * 32,
            "seen_outbound_id": 0,
            "image": upload,
            "image_alt": ALT,
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200, response.content
    media = MessageMedia.objects.get(message__direction="out")
    assert media.alt_text == ALT
    thread = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert reverse("inbox:media_variant", args=[media.pk, "thumb"]) in thread
    assert client.get(reverse("inbox:media_variant", args=[media.pk, "thumb"])).status_code == 200


def test_the_composer_says_what_is_wrong_with_a_picture(
    client, sandbox, x_channel, mention, officer
):
    conversation = Conversation.objects.get(kind="public")
    client.force_login(officer)
    upload = io.BytesIO(photo())
    upload.name = "map.jpg"
    response = client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        {"text": "Map", "idempotency_key": "d" * 32, "seen_outbound_id": 0, "image": upload},
        HTTP_HX_REQUEST="true",
    )
    assert "Describe the picture" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_the_api_takes_a_picture_as_multipart(sandbox, x_channel, mention, officer, other_officer):
    conversation = Conversation.objects.get(kind="public")
    url = reverse("api:reply_create", args=[conversation.pk])
    upload = io.BytesIO(photo())
    upload.name = "map.jpg"
    body = {"text": "Map", "idempotency_key": "e" * 32, "image": upload, "image_alt": ALT}

    outsider = APIClient()
    outsider.force_authenticate(other_officer)
    assert outsider.post(url, body, format="multipart").status_code == 404

    upload.seek(0)
    api = APIClient()
    api.force_authenticate(officer)
    response = api.post(url, body, format="multipart")

    assert response.status_code == 201, response.content
    [media] = response.json()["media"]
    assert (media["kind"], media["alt_text"]) == ("image", ALT)
    assert media["thumbnail_url"]
