"""Message media through the real clients against the sandbox over HTTP:
X v2 ``includes.media`` (tweepy), Graph attachments (facebook-sdk), and the
Page webhooks; stored once with the message, whatever is replayed."""

from __future__ import annotations

import pytest

from inbox.models import Conversation, Message, MessageMedia
from inbox.services import polling
from tests.inbox.facebook_support import JO, fb_channel_fixture, fb_inject  # noqa: F401

PHOTO = {"type": "photo", "alt_text": "A pothole full of water", "width": 1200, "height": 900}


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def media_of(message: Message) -> list[tuple]:
    return list(
        message.media.order_by("position").values_list("position", "kind", "alt_text", "key")
    )


@pytest.mark.django_db
def test_x_mentions_keep_their_photos_videos_and_gifs_in_order(sandbox, x_channel):
    [tweet] = sandbox.inject(
        kind="mention",
        account_id="999",
        text="@council_help look at Elm Rd",
        media=[PHOTO, {"type": "video", "width": 1280, "height": 720}, {"type": "animated_gif"}],
    )
    poll(x_channel)

    message = Message.objects.get(external_id=tweet["id"])
    keys = [m["media_key"] for m in tweet["media"]]
    assert media_of(message) == [
        (0, "image", "A pothole full of water", keys[0]),
        (1, "video", "", keys[1]),
        (2, "gif", "", keys[2]),
    ]
    photo, video, gif = message.media.order_by("position")
    assert photo.url == tweet["media"][0]["url"]
    assert photo.url.startswith("https://pbs.twimg.com/media/")
    assert (photo.width, photo.height) == (1200, 900)
    # A video is shown by its still; the playable file is kept apart.
    assert video.url.startswith("https://pbs.twimg.com/ext_tw_video_thumb/")
    assert gif.url.startswith("https://pbs.twimg.com/tweet_video_thumb/")


@pytest.mark.django_db
def test_x_dm_photos_are_kept_and_a_photo_alone_previews_as_an_image(sandbox, x_channel):
    [dm] = sandbox.inject(kind="dm", account_id="999", text="", media=[PHOTO])
    poll(x_channel)

    message = Message.objects.get(external_id=dm["id"])
    assert media_of(message) == [
        (0, "image", "A pothole full of water", dm["media"][0]["media_key"])
    ]
    assert message.conversation.last_message_preview == "(image)"


@pytest.mark.django_db
def test_polling_again_and_replaying_a_batch_store_each_picture_once(sandbox, x_channel):
    from inbox.networks import client_for
    from inbox.services.ingest import messages_ingest

    sandbox.inject(kind="mention", account_id="999", media=[PHOTO, PHOTO])
    poll(x_channel)
    poll(x_channel)
    assert MessageMedia.objects.count() == 2

    x_channel.refresh_from_db()
    streams = client_for(x_channel).fetch({})  # the newest page again, from scratch
    items = [i for s in streams for i in s.items]
    assert items and items[0].media
    messages_ingest(channel=x_channel, items=items)
    messages_ingest(channel=x_channel, items=items + items)
    assert MessageMedia.objects.count() == 2


def test_a_media_key_the_page_does_not_include_is_kept_as_an_unreadable_attachment():
    from inbox.networks.media import UNREADABLE
    from inbox.networks.x import Includes, _attached

    photo = {"media_key": "3_1", "type": "photo", "url": "https://pbs.twimg.com/media/a.jpg"}
    tweet = {"attachments": {"media_keys": ["3_1", "3_2"]}}
    [found, missing] = _attached(tweet, Includes(media={"3_1": photo}))
    assert (found.kind, found.url, missing) == ("image", photo["url"], UNREADABLE)


def test_media_fields_of_the_wrong_type_become_blanks_not_a_lost_message():
    from inbox.networks.x import Includes, _attached

    odd = {
        "media_key": "3_1",
        "type": "photo",
        "url": "javascript:alert(1)",
        "alt_text": ["not", "text"],
        "width": "wide",
        "height": True,
    }
    [item] = _attached({"attachments": {"media_keys": ["3_1"]}}, Includes(media={"3_1": odd}))
    assert (item.url, item.alt_text, item.width, item.height) == ("", "", None, None)


@pytest.mark.django_db
def test_a_messenger_image_with_no_text_is_no_longer_empty(sandbox, fb_channel):
    [sent] = fb_inject(
        sandbox, kind="message", author=JO, text="", media=[{"type": "photo", "width": 960}]
    )
    poll(fb_channel)

    message = Message.objects.get(external_id=sent["id"])
    assert message.text == ""
    [media] = message.media.all()
    assert (media.kind, media.width, media.url) == ("image", 960, sent["media"][0]["url"])
    assert media.url.startswith("https://scontent.xx.fbcdn.net/")
    assert media.size_bytes and media.key == sent["media"][0]["media_key"]
    assert Conversation.objects.get(kind="private").last_message_preview == "(image)"


@pytest.mark.django_db
def test_a_comment_with_a_photo_keeps_it(sandbox, fb_channel):
    [comment] = fb_inject(
        sandbox,
        kind="comment",
        author=JO,
        text="Bin not collected, see photo",
        media=[{"type": "photo", "width": 800, "height": 600}],
    )
    poll(fb_channel)

    [media] = Message.objects.get(external_id=comment["id"]).media.all()
    assert (media.kind, media.width, media.height) == ("image", 800, 600)
    assert media.url == comment["media"][0]["url"]


def test_signed_page_webhooks_bring_messenger_images_and_comment_photos(
    live_server, monkeypatch, settings, sandbox, fb_channel
):
    from inbox.webhooks.services import webhook_deliveries_process

    settings.FACEBOOK_APP_SECRET = "sandbox-app-secret"
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)
    fired = {
        "fire_webhook": True,
        "webhook_url": live_server.url + "/webhooks/facebook/",
        "app_secret": "sandbox-app-secret",
    }
    [message] = fb_inject(sandbox, kind="message", author=JO, text="", media=[PHOTO], **fired)
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="see", media=[PHOTO], **fired)
    assert message["webhook"][0]["status"] == comment["webhook"][0]["status"] == 200

    assert webhook_deliveries_process().stored == 2
    for sent in (message, comment):
        [media] = Message.objects.get(external_id=sent["id"]).media.all()
        assert (media.kind, media.url) == ("image", sent["media"][0]["url"])
    assert Conversation.objects.get(kind="private").last_message_preview == "(image)"
