"""Instagram direct messages keep their pictures (issue 20 point 4), polled
through facebook-sdk from the sandbox and delivered by signed webhook, shown
through the media proxy to the channel's team only."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from inbox.models import Message
from inbox.networks.instagram_mapping import message_key
from inbox.services import polling
from inbox.webhooks.services import webhook_deliveries_process
from inbox.webhooks.signatures import meta_signature
from tests.inbox.instagram_support import (
    IG_ACCOUNT,
    JO,
    ig_channel_fixture,  # noqa: F401 (fixture)
    ig_inject,
)

pytestmark = pytest.mark.django_db

PHOTO = {"type": "photo", "alt_text": "", "width": 1200, "height": 900}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # tests reuse primary keys: a cached picture must not answer another
    yield
    cache.clear()


def test_a_polled_dm_keeps_its_picture_and_a_picture_alone_is_not_empty(sandbox, ig_channel):
    [dm] = ig_inject(sandbox, kind="dm", author=JO, text="This is the bin", media=[PHOTO])
    polling.channel_poll(channel_id=ig_channel.pk)

    message = Message.objects.get(external_id=message_key(dm["id"]))
    [picture] = message.media.all()
    assert (picture.kind, picture.width, picture.height) == ("image", 1200, 900)
    assert picture.url.startswith("https://scontent.xx.fbcdn.net/")
    assert message.text == "This is the bin"


def test_the_proxy_shows_a_dm_picture_to_the_team_and_to_nobody_else(
    client, officer, other_officer, sandbox, ig_channel
):
    [dm] = ig_inject(sandbox, kind="dm", author=JO, media=[PHOTO])
    polling.channel_poll(channel_id=ig_channel.pk)
    media = Message.objects.get(external_id=message_key(dm["id"])).media.get()

    client.force_login(other_officer)
    assert client.get(reverse("inbox:media", args=[media.pk])).status_code == 404
    client.force_login(officer)
    response = client.get(reverse("inbox:media_variant", args=[media.pk, "thumb"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (480, 360)


def test_a_webhook_dm_brings_its_picture(client, settings, monkeypatch, ig_channel):
    settings.FACEBOOK_APP_SECRET = "sandbox-app-secret"
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)
    url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/123_n.jpg?oh=00_x"
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ACCOUNT,
                "time": 1764583200,
                "messaging": [
                    {
                        "sender": {"id": "9002"},
                        "recipient": {"id": IG_ACCOUNT},
                        "timestamp": 1764583300000,
                        "message": {
                            "mid": "aWdfZAG9",
                            "attachments": [
                                {"type": "image", "payload": {"url": url}},
                                {"type": "image", "payload": "broken"},
                            ],
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload).encode()
    signature = meta_signature("sandbox-app-secret", body)
    response = client.post(
        "/webhooks/facebook/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )
    assert response.status_code == 200
    webhook_deliveries_process()

    message = Message.objects.get(external_id="aWdfZAG9")
    assert [(m.kind, m.url) for m in message.media.order_by("position")] == [
        ("image", url),
        ("image", ""),  # no address: kept as an attachment that cannot be shown
    ]
    assert message.text == ""
