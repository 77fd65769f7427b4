"""Bluesky posts keep their pictures (issue 20 point 4): the images embed, and
the media half of a quote with media, read through the real atproto client
from the sandbox, fetched by the media proxy from the CDN address the app view
serves, and never shown to another team."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from inbox.models import Message
from inbox.networks.bluesky_mapping import post_images
from inbox.services import polling
from tests.inbox.bluesky_support import (
    JO,
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_inject,
)

pytestmark = pytest.mark.django_db

PHOTO = {"type": "photo", "alt_text": "Fly-tipping on Mill Lane", "width": 1200, "height": 900}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # tests reuse primary keys: a cached picture must not answer another
    yield
    cache.clear()


def test_a_mention_and_a_quote_keep_their_images_with_alt_text(sandbox, bsky_channel):
    [mention] = bsky_inject(sandbox, kind="mention", author=JO, media=[PHOTO, {"width": 900}])
    [quote] = bsky_inject(sandbox, kind="quote", author=JO, media=[PHOTO])
    polling.channel_poll(channel_id=bsky_channel.pk)

    first = Message.objects.get(external_id=mention["uri"])
    pictures = list(first.media.order_by("position"))
    assert [(m.kind, m.alt_text, m.width, m.height) for m in pictures] == [
        ("image", "Fly-tipping on Mill Lane", 1200, 900),
        ("image", "", 900, 480),
    ]
    did = mention["author"]["did"]
    assert pictures[0].url.startswith(f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/")
    assert pictures[0].key.startswith("bafkrei") and pictures[0].url.endswith("@jpeg")
    quoted = Message.objects.get(external_id=quote["uri"])
    assert [m.alt_text for m in quoted.media.all()] == ["Fly-tipping on Mill Lane"]


def test_the_proxy_shows_the_picture_to_the_team_and_to_nobody_else(
    client, officer, other_officer, sandbox, bsky_channel
):
    [mention] = bsky_inject(sandbox, kind="mention", author=JO, media=[PHOTO])
    polling.channel_poll(channel_id=bsky_channel.pk)
    media = Message.objects.get(external_id=mention["uri"]).media.get()

    client.force_login(other_officer)
    assert client.get(reverse("inbox:media", args=[media.pk])).status_code == 404
    client.force_login(officer)
    response = client.get(reverse("inbox:media_variant", args=[media.pk, "thumb"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (480, 360)


def test_broken_image_entries_never_cost_the_post():
    did = "did:plc:abcdefghijklmnopqrstuvwx"
    record = {
        "embed": {
            "$type": "app.bsky.embed.images",
            "images": [
                {"alt": "ok", "image": {"ref": {"$link": "bafkreiabc"}, "size": 5}},
                {"alt": "no blob"},
                {"image": {"ref": {"$link": "../../etc/passwd"}}},
                "not an object",
            ],
        }
    }
    found = post_images(record, did)
    assert [(m.kind, bool(m.url)) for m in found] == [
        ("image", True),
        ("other", False),
        ("other", False),
        ("other", False),
    ]
    assert (
        post_images({"embed": {"$type": "app.bsky.embed.images", "images": "x"}}, did)[0].kind
        == "other"
    )
    assert post_images({"embed": {"$type": "app.bsky.embed.record"}}, did) == ()
    assert post_images({}, did) == ()
