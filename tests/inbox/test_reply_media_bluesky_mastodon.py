"""A reply with one picture and its alt text on Bluesky (uploadBlob, then an
``app.bsky.embed.images`` embed on the reply post) and on Mastodon (POST
/api/v2/media with its description, then ``media_ids`` on the status, direct
ones included), through the real atproto and Mastodon.py clients against the
sandbox; sent exactly once whatever fails."""

from __future__ import annotations

import io
import os

import pytest
import requests
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from events.models import Event
from inbox.models import Conversation, DeliveryState, Message, MessageMedia
from inbox.networks import client_for
from inbox.networks import mastodon as mastodon_client
from inbox.networks.base import OutboundImage, Refused, TransientError
from inbox.networks.bluesky_images import MAX_IMAGE_BYTES
from inbox.networks.bluesky_mapping import post_images
from inbox.networks.mastodon import plain
from inbox.services import outbound, polling
from inbox.services.replies import reply_send
from tests.inbox.bluesky_support import (
    JO as BSKY_JO,
)
from tests.inbox.bluesky_support import (
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_fault,
    bsky_inject,
    xrpc,
)
from tests.inbox.mastodon_support import (
    JO as MASTO_JO,
)
from tests.inbox.mastodon_support import (
    masto_channel_fixture,  # noqa: F401 (fixture)
    masto_fault,
    masto_inject,
)

pytestmark = pytest.mark.django_db
ALT = "Map of the Elm Rd diversion"
CREATE_RECORD = xrpc("com.atproto.repo.createRecord")
UPLOAD_BLOB = xrpc("com.atproto.repo.uploadBlob")
STATUSES = r"^/api/v1/statuses$"
MEDIA = r"^/api/v2/media$"


def photo(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def noisy(size, *, mode="RGB", fmt="JPEG") -> bytes:
    """A picture no encoder can squeeze: random pixels."""
    picture = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))
    out = io.BytesIO()
    picture.save(out, format=fmt, **({"quality": 70} if fmt == "JPEG" else {}))
    return out.getvalue()


def send(officer, *, data=None, key="k" * 16, text="Here is the map."):
    return reply_send(
        conversation=Conversation.objects.get(),
        actor=officer,
        text=text,
        idempotency_key=key,
        seen_outbound_id=0,
        image_data=photo() if data is None else data,
        image_alt=ALT,
    ).message


def deliver_again(message):
    """The task's retry without waiting for it."""
    Message.objects.filter(pk=message.pk).update(not_before=None)
    return outbound.message_deliver(message_id=message.pk).state


def cdn_bytes(sandbox, url: str) -> bytes:
    got = requests.get(f"{sandbox.url}/cdn/{url.removeprefix('https://')}", timeout=5)
    assert got.status_code == 200, url
    return got.content


# --- Bluesky --------------------------------------------------------------------------------


@pytest.fixture
def bsky_mention(sandbox, bsky_channel):
    [mention] = bsky_inject(sandbox, kind="mention", author=BSKY_JO, text="Diversion?")
    polling.channel_poll(channel_id=bsky_channel.pk)
    return mention


def bsky_post_record(channel, uri: str) -> dict:
    """The post as the app view serves it back (getPosts)."""
    client = client_for(channel)
    views = client._post_views([uri])
    assert [v["uri"] for v in views] == [uri]
    return views[0]["record"]


def test_the_bluesky_client_uploads_the_blob_and_embeds_it_with_alt_text(
    sandbox, bsky_channel, bsky_mention
):
    image = OutboundImage(body=photo(), content_type="image/jpeg", alt_text=ALT)
    text = "@jo-resident.bsky.social here is the map."
    sent = client_for(bsky_channel).send_reply(
        in_reply_to=bsky_mention["uri"], text=text, media=[image]
    )

    [upload] = sandbox.outbox(network="bsky", kind="blob_upload")
    [post] = sandbox.outbox(network="bsky", kind="post")
    assert post["result_id"] == sent.external_id
    assert post["meta"]["root"] == post["meta"]["parent"] == bsky_mention["uri"]
    assert post["meta"]["facets"], "the mention keeps its facet"
    assert post["meta"]["media"] == [
        {
            "cid": upload["result_id"],
            "alt_text": ALT,
            "bytes": len(image.body),
            "mime_type": "image/jpeg",
        }
    ]
    record = bsky_post_record(bsky_channel, sent.external_id)
    ratio = record["embed"]["images"][0]["aspectRatio"]
    assert (ratio["width"], ratio["height"]) == (1600, 1200)
    [shown] = post_images(record, bsky_channel.external_account_id)
    assert shown.alt_text == ALT
    assert cdn_bytes(sandbox, shown.url) == image.body


def test_a_queued_bluesky_reply_sends_its_picture_once(sandbox, bsky_mention, officer):
    message = send(officer)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [post] = sandbox.outbox(network="bsky", kind="post")
    assert len(sandbox.outbox(network="bsky", kind="blob_upload")) == 1
    [media] = post["meta"]["media"]
    assert (media["alt_text"], media["bytes"]) == (ALT, MessageMedia.objects.get().size_bytes)
    message.refresh_from_db()
    assert message.external_id == post["result_id"]


def test_a_lost_bluesky_answer_is_reconciled_not_posted_twice(sandbox, bsky_mention, officer):
    message = send(officer)
    bsky_fault(sandbox, method="POST", path=CREATE_RECORD, kind="after_write_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"

    assert deliver_again(message) == DeliveryState.SENT
    [post] = sandbox.outbox(network="bsky", kind="post")
    assert len(post["meta"]["media"]) == 1
    message.refresh_from_db()
    assert message.external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


def test_a_failed_bluesky_upload_posts_nothing_and_is_retried(sandbox, bsky_mention, officer):
    message = send(officer)
    bsky_fault(sandbox, method="POST", path=UPLOAD_BLOB, kind="server_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert sandbox.outbox(network="bsky", kind="post") == []

    assert deliver_again(message) == DeliveryState.SENT
    [post] = sandbox.outbox(network="bsky", kind="post")
    assert post["meta"]["media"][0]["alt_text"] == ALT


def test_a_bluesky_chat_reply_refuses_a_picture(sandbox, bsky_channel, officer):
    [dm] = bsky_inject(sandbox, kind="dm", author=BSKY_JO, text="Diversion?")
    polling.channel_poll(channel_id=bsky_channel.pk)
    assert Conversation.objects.get().kind == "private"
    with pytest.raises(ValidationError, match="cannot carry a picture on Bluesky"):
        send(officer)
    assert not Message.objects.filter(direction="out").exists()

    image = OutboundImage(body=photo(), content_type="image/jpeg", alt_text=ALT)
    with pytest.raises(Refused, match="chats cannot carry pictures"):
        client_for(bsky_channel).send_private(
            thread_key=f"bsdm:{dm['convo_id']}", recipient_id="", text="Map", media=[image]
        )
    assert sandbox.outbox(network="bsky") == []


def test_a_picture_over_bluesky_s_limit_is_queued_smaller(sandbox, bsky_mention, officer):
    """Our 2,048 px re-encode of a detailed photo is over 1,000,000 bytes: the
    reply keeps it re-encoded smaller (here 1,280 px) rather than refuse it."""
    message = send(officer, data=noisy((2400, 1800)))
    queued = MessageMedia.objects.get()
    assert queued.size_bytes <= MAX_IMAGE_BYTES
    assert Image.open(io.BytesIO(bytes(queued.upload))).size == (1280, 960)

    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [upload] = sandbox.outbox(network="bsky", kind="blob_upload")
    assert upload["meta"]["bytes"] == queued.size_bytes
    record = bsky_post_record(
        message.channel, sandbox.outbox(network="bsky", kind="post")[0]["result_id"]
    )
    ratio = record["embed"]["images"][0]["aspectRatio"]
    assert (ratio["width"], ratio["height"]) == (1280, 960)
    [shown] = post_images(record, message.channel.external_account_id)
    assert Image.open(io.BytesIO(cdn_bytes(sandbox, shown.url))).size == (1280, 960)


def test_a_picture_too_big_for_bluesky_even_smaller_is_refused_before_queuing(
    sandbox, bsky_mention, officer
):
    with pytest.raises(ValidationError, match="too large for Bluesky"):
        send(officer, data=noisy((1000, 1000), mode="RGBA", fmt="PNG"))
    assert not Message.objects.filter(direction="out").exists()
    assert sandbox.outbox(network="bsky") == []


def test_the_bluesky_client_refuses_an_oversized_picture_it_is_handed(
    sandbox, bsky_channel, bsky_mention
):
    """A reply queued before the limit was checked fails with a reason; nothing is posted."""
    image = OutboundImage(
        body=b"\xff" * (MAX_IMAGE_BYTES + 1), content_type="image/jpeg", alt_text=ALT
    )
    with pytest.raises(Refused, match="too large for Bluesky"):
        client_for(bsky_channel).send_reply(
            in_reply_to=bsky_mention["uri"], text="Map", media=[image]
        )
    assert sandbox.outbox(network="bsky") == []


# --- Mastodon -------------------------------------------------------------------------------


@pytest.fixture
def masto_mention(sandbox, masto_channel):
    [status] = masto_inject(sandbox, kind="mention", author=MASTO_JO, text="@riverside Diversion?")
    polling.channel_poll(channel_id=masto_channel.pk)
    return status


def test_the_mastodon_client_uploads_with_a_description_and_attaches_it(
    sandbox, masto_channel, masto_mention
):
    image = OutboundImage(body=photo(), content_type="image/jpeg", alt_text=ALT)
    client = client_for(masto_channel)
    sent = client.send_reply(in_reply_to=masto_mention["id"], text="The map", media=[image])

    [upload] = sandbox.outbox(network="masto", kind="media_upload")
    [status] = sandbox.outbox(network="masto", kind="status")
    assert (status["result_id"], status["target"]) == (sent.external_id, masto_mention["id"])
    assert status["meta"]["media"] == [
        {
            "id": upload["result_id"],
            "alt_text": ALT,
            "bytes": len(image.body),
            "content_type": "image/jpeg",
        }
    ]
    [attached] = plain(client.api.status(sent.external_id))["media_attachments"]
    assert (attached["type"], attached["description"]) == ("image", ALT)
    assert attached["meta"]["original"]["width"] == 1600
    assert cdn_bytes(sandbox, attached["url"]) == image.body


def test_a_queued_mastodon_reply_sends_its_picture_once(sandbox, masto_mention, officer):
    message = send(officer)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [status] = sandbox.outbox(network="masto", kind="status")
    assert len(sandbox.outbox(network="masto", kind="media_upload")) == 1
    assert status["meta"]["visibility"] == "public"
    [media] = status["meta"]["media"]
    assert (media["alt_text"], media["bytes"]) == (ALT, MessageMedia.objects.get().size_bytes)


def test_a_direct_mastodon_reply_carries_its_picture(sandbox, masto_channel, officer):
    masto_inject(sandbox, kind="dm", author=MASTO_JO, text="@riverside Diversion?")
    polling.channel_poll(channel_id=masto_channel.pk)
    message = send(officer)
    assert message.conversation.kind == "private"
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [status] = sandbox.outbox(network="masto", kind="status")
    assert status["meta"]["visibility"] == "direct"
    assert status["meta"]["media"][0]["alt_text"] == ALT
    # The next poll reads our direct status back (with its picture) and stores nothing twice.
    polling.channel_poll(channel_id=masto_channel.pk)
    assert Message.objects.filter(direction="out").count() == 1
    assert MessageMedia.objects.filter(message__direction="out").count() == 1


def test_a_lost_mastodon_answer_is_reconciled_not_posted_twice(sandbox, masto_mention, officer):
    message = send(officer)
    masto_fault(sandbox, method="POST", path=STATUSES, kind="after_write_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"

    assert deliver_again(message) == DeliveryState.SENT
    [status] = sandbox.outbox(network="masto", kind="status")
    message.refresh_from_db()
    assert message.external_id == status["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


def test_a_failed_mastodon_upload_posts_nothing_and_is_retried(sandbox, masto_mention, officer):
    message = send(officer)
    masto_fault(sandbox, method="POST", path=MEDIA, kind="server_error")
    assert outbound.message_deliver(message_id=message.pk).state == "retry"
    assert sandbox.outbox(network="masto", kind="status") == []

    assert deliver_again(message) == DeliveryState.SENT
    [status] = sandbox.outbox(network="masto", kind="status")
    assert status["meta"]["media"][0]["alt_text"] == ALT


@pytest.mark.parametrize(("reads", "posted"), [(2, True), (9, False)])
def test_an_upload_still_processing_is_waited_for_briefly(
    sandbox, masto_channel, masto_mention, monkeypatch, reads, posted
):
    """202 with url null: read back a few times; still not ready, nothing is
    posted (the instance would refuse the status) and the send is retried."""
    monkeypatch.setattr(mastodon_client, "PROCESSING_WAIT_SECONDS", 0.01)
    sandbox.post("/_sandbox/masto/instance", {"media_processing_reads": reads})
    image = OutboundImage(body=photo(), content_type="image/jpeg", alt_text=ALT)
    client = client_for(masto_channel)
    if posted:
        client.send_reply(in_reply_to=masto_mention["id"], text="The map", media=[image])
        [status] = sandbox.outbox(network="masto", kind="status")
        assert status["meta"]["media"][0]["alt_text"] == ALT
    else:
        with pytest.raises(TransientError, match="still processing"):
            client.send_reply(in_reply_to=masto_mention["id"], text="The map", media=[image])
        assert sandbox.outbox(network="masto", kind="status") == []


# --- the composer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("network", "kind", "shown"),
    [
        ("bluesky", "mention", True),
        ("bluesky", "dm", False),
        ("mastodon", "mention", True),
        ("mastodon", "dm", True),
    ],
)
def test_the_composer_offers_a_picture_where_the_network_takes_one(
    client, request, sandbox, officer, other_officer, network, kind, shown
):
    if network == "bluesky":
        channel = request.getfixturevalue("bsky_channel")
        bsky_inject(sandbox, kind=kind, author=BSKY_JO, text="Diversion?")
    else:
        channel = request.getfixturevalue("masto_channel")
        masto_inject(sandbox, kind=kind, author=MASTO_JO, text="@riverside Diversion?")
    polling.channel_poll(channel_id=channel.pk)
    url = reverse("inbox:conversation", args=[Conversation.objects.get().pk])

    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert ('name="image_alt"' in page) is shown
    assert ('enctype="multipart/form-data"' in page) is shown
