"""Pictures on Mastodon: a status's media_attachments kept through Mastodon.py
and the sandbox instance, and shown through our media proxy (issue 20.4)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from inbox.models import Message
from inbox.services import polling
from tests.inbox.mastodon_support import (
    JO,
    masto_channel_fixture,  # noqa: F401 (fixture)
    masto_fault,
    masto_inject,
)

pytestmark = pytest.mark.django_db

PHOTO = {"type": "photo", "alt_text": "Flooded underpass", "width": 1200, "height": 900}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # tests reuse primary keys: a cached picture must not answer another
    yield
    cache.clear()


def test_a_mention_keeps_its_photo_video_and_gif_in_order_with_alt_text(sandbox, masto_channel):
    [status] = masto_inject(
        sandbox,
        kind="mention",
        author=JO,
        text="@riverside look at this",
        media=[PHOTO, {"type": "video", "width": 640, "height": 360}, {"type": "animated_gif"}],
    )
    polling.channel_poll(channel_id=masto_channel.pk)

    media = list(Message.objects.get(external_id=status["id"]).media.order_by("position"))
    assert [(m.kind, m.alt_text) for m in media] == [
        ("image", "Flooded underpass"),
        ("video", ""),
        ("gif", ""),
    ]
    photo, video, gif = media
    assert photo.url == status["media"][0]["url"] and photo.key == status["media"][0]["media_key"]
    assert (photo.width, photo.height) == (1200, 900)
    # A video or GIF: the still is what an officer sees, the file is kept beside it.
    assert video.url == status["media"][1]["url"] and video.source_url.endswith(".mp4")
    assert gif.url.endswith(".jpg") and gif.source_url.endswith(".mp4")


def test_a_direct_message_with_only_a_picture_is_not_empty(sandbox, masto_channel):
    [status] = masto_inject(sandbox, kind="dm", author=JO, text="@riverside", media=[PHOTO])
    polling.channel_poll(channel_id=masto_channel.pk)
    message = Message.objects.get(external_id=status["id"])
    assert message.conversation.kind == "private"
    assert message.media.get().alt_text == "Flooded underpass"


def test_an_unreadable_attachment_never_costs_the_status(sandbox, masto_channel):
    [status] = masto_inject(sandbox, kind="mention", author=JO, text="@riverside hello")
    masto_fault(
        sandbox,
        method="GET",
        path=r"^/api/v1/notifications$",
        kind="extra_items",
        params={
            "items": [
                {
                    "id": "8001",
                    "type": "mention",
                    "created_at": "2026-12-01T10:00:00.000Z",
                    "account": {"id": JO["id"], "acct": "jo@mas.to", "username": "jo"},
                    "status": {
                        "id": "8002",
                        "created_at": "2026-12-01T10:00:00.000Z",
                        "visibility": "public",
                        "content": "<p>see picture</p>",
                        "account": {"id": JO["id"], "acct": "jo@mas.to", "username": "jo"},
                        "mentions": [],
                        "media_attachments": [
                            "not an attachment",
                            {"id": 5, "type": "image", "url": "javascript:alert(1)"},
                        ],
                    },
                }
            ],
            "at": [0],
        },
    )
    polling.channel_poll(channel_id=masto_channel.pk)
    assert Message.objects.filter(external_id=status["id"]).exists()
    odd = Message.objects.get(external_id="8002")
    assert odd.text == "see picture"
    assert [(m.kind, m.url) for m in odd.media.order_by("position")] == [
        ("other", ""),
        ("image", ""),  # not a web address: never stored, never fetched
    ]


def test_the_proxy_shows_the_picture_to_the_team_and_to_nobody_else(
    client, officer, other_officer, sandbox, masto_channel
):
    [status] = masto_inject(sandbox, kind="mention", author=JO, media=[PHOTO])
    polling.channel_poll(channel_id=masto_channel.pk)
    media = Message.objects.get(external_id=status["id"]).media.get()

    client.force_login(other_officer)
    assert client.get(reverse("inbox:media", args=[media.pk])).status_code == 404

    client.force_login(officer)
    response = client.get(reverse("inbox:media_variant", args=[media.pk, "thumb"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (480, 360)  # the instance's file, fetched and re-encoded
