"""The sandbox's media, as tweepy and the CDN see them: X v2 ``includes.media``
with X's field rules, DM attachments, media uploads, and real image bytes
(or the misbehaviour asked for) on the CDN."""

from __future__ import annotations

import io

import pytest
import requests
import tweepy
from PIL import Image

from sandbox.control_client import Control

PHOTO = {"type": "photo", "alt_text": "A pothole", "width": 800, "height": 600}


def cdn(sandbox, url: str) -> requests.Response:
    return requests.get(f"{sandbox.url}/cdn/{url.removeprefix('https://')}", timeout=5)


def test_mentions_carry_attachments_and_include_media_only_with_the_fields_asked(
    sandbox, control: Control, client: tweepy.Client
):
    [tweet] = control.inject(kind="mention", media=[PHOTO, {"type": "video"}])
    bare = client.get_users_mentions(
        "999", user_auth=True, tweet_fields=["attachments"], expansions=["attachments.media_keys"]
    )
    photo_key, video_key = (m["media_key"] for m in tweet["media"])
    assert bare.data[0].attachments == {"media_keys": [photo_key, video_key]}
    # By default X sends only media_key and type: no URL unless asked.
    assert [dict(m) for m in (m.data for m in bare.includes["media"])] == [
        {"media_key": photo_key, "type": "photo"},
        {"media_key": video_key, "type": "video"},
    ]

    full = client.get_users_mentions(
        "999",
        user_auth=True,
        tweet_fields=["attachments"],
        expansions=["attachments.media_keys"],
        media_fields=["url", "preview_image_url", "alt_text", "width", "height", "variants"],
    )
    photo, video = (m.data for m in full.includes["media"])
    assert (
        photo["url"].startswith("https://pbs.twimg.com/media/") and "preview_image_url" not in photo
    )
    assert (photo["alt_text"], photo["width"], photo["height"]) == ("A pothole", 800, 600)
    assert video["preview_image_url"].startswith("https://pbs.twimg.com/ext_tw_video_thumb/")
    assert video["variants"][0]["content_type"] == "video/mp4"


def test_dm_events_carry_their_media(sandbox, control: Control, client: tweepy.Client):
    control.inject(kind="dm", text="", media=[PHOTO])
    page = client.get_direct_message_events(
        user_auth=True,
        dm_event_fields=["attachments"],
        expansions=["attachments.media_keys"],
        media_fields=["url"],
    )
    [event] = page.data
    [media] = page.includes["media"]
    assert event.data["attachments"]["media_keys"] == [media.media_key]


def test_the_cdn_serves_a_real_picture_of_the_size_given(sandbox, control: Control):
    [tweet] = control.inject(kind="mention", media=[PHOTO])
    got = cdn(sandbox, tweet["media"][0]["url"])
    assert got.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(got.content)).size == (800, 600)
    assert cdn(sandbox, "https://pbs.twimg.com/media/nothing.jpg").status_code == 404


@pytest.mark.parametrize(
    ("variant", "content_type"),
    [
        ("html", "text/html"),
        ("svg", "image/svg+xml"),
        ("liar", "image/jpeg"),
        ("bomb", "image/png"),
    ],
)
def test_the_cdn_misbehaves_on_request(sandbox, control: Control, variant, content_type):
    [tweet] = control.inject(kind="mention", media=[{**PHOTO, "variant": variant}])
    got = cdn(sandbox, tweet["media"][0]["url"])
    assert got.headers["Content-Type"] == content_type


def test_a_huge_picture_is_eleven_megabytes(sandbox, control: Control):
    [tweet] = control.inject(kind="mention", media=[{**PHOTO, "variant": "huge"}])
    got = cdn(sandbox, tweet["media"][0]["url"])
    assert int(got.headers["Content-Length"]) == 11 * 1024 * 1024


def test_a_bad_media_spec_is_refused(control: Control):
    with pytest.raises(requests.HTTPError):
        control.inject(kind="mention", media=[{"type": "hologram"}])


def test_an_upload_is_attached_once_to_one_tweet(sandbox, control: Control, client: tweepy.Client):
    [mention] = control.inject(kind="mention")
    api = tweepy.API(
        tweepy.OAuth1UserHandler("k", "s", "999-sbx", "t"), upload_host="upload.twitter.com"
    )
    from tests.sandbox.conftest import RewriteAdapter

    api.session.mount(
        "https://upload.twitter.com",
        RewriteAdapter("https://upload.twitter.com", sandbox.url + "/x"),
    )
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, format="PNG")
    picture.seek(0)
    uploaded = api.media_upload(filename="p.png", file=picture)
    api.create_media_metadata(uploaded.media_id_string, "A red square")

    client.create_tweet(
        text="Here", in_reply_to_tweet_id=mention["id"], media_ids=[uploaded.media_id]
    )
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="Again", media_ids=[uploaded.media_id])
    with pytest.raises(tweepy.BadRequest):
        api.media_upload(filename="x.png", file=io.BytesIO(b"<html></html>"))

    [tweet] = control.outbox(kind="tweet")
    assert tweet["meta"]["media"] == [
        {
            "media_key": f"3_{uploaded.media_id_string}",
            "alt_text": "A red square",
            "bytes": len(picture.getvalue()),
        }
    ]


def test_the_demo_cdn_draws_pictures_another_run_handed_out(sandbox):
    """The demo's history is made by one sandbox run and shown by another:
    with draw_any_picture the CDN draws any well-formed picture address on a
    CDN it stands in for; anything else stays a 404, and it is off by default."""
    bsky = "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc/bafkreixyz@jpeg"
    fb = "https://scontent.xx.fbcdn.net/v/t1.15752-9/123_45_n.jpg"
    assert cdn(sandbox, bsky).status_code == 404
    sandbox.state.draw_any_picture = True
    try:
        for url in (bsky, fb, "https://pbs.twimg.com/media/old.jpg"):
            got = cdn(sandbox, url)
            assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg", url
            assert Image.open(io.BytesIO(got.content)).size == (1200, 900)
        assert cdn(sandbox, "https://evil.example/x.jpg").status_code == 404
        assert cdn(sandbox, "https://pbs.twimg.com/media/page.html").status_code == 404
    finally:
        sandbox.state.draw_any_picture = False
