"""The council's own posts (issue 20 point 7): read through the real clients
(tweepy, facebook-sdk, Mastodon.py) from the sandbox over HTTP, stored once,
their figures kept current, a malformed post quarantined while the rest is
stored."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from inbox.models import QuarantinedPayload
from inbox.networks import client_for
from inbox.networks.base import RateLimited
from inbox.networks.x import make_client
from kpis import own_posts, tasks
from kpis.models import OwnPost
from tests.inbox.bluesky_support import (
    HANDLE,
    JO,
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_inject,
)
from tests.inbox.facebook_support import (
    PAGE_ID,
    fb_channel_fixture,  # noqa: F401 (fixture)
)
from tests.inbox.instagram_support import (
    IG_ACCOUNT,
    ig_channel_fixture,  # noqa: F401 (fixture)
    ig_inject,
)
from tests.inbox.instagram_support import JO as IG_JO
from tests.inbox.mastodon_support import masto_channel_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

TIMELINE = r"^/2/users/999/tweets$"


def tweet(channel, text: str) -> str:
    """The council posts on X (outside SocialDesk), through tweepy."""
    client = make_client(channel.get_credentials())
    return str(client.create_tweet(text=text, user_auth=True)["data"]["id"])


def advance(sandbox, hours: float) -> None:
    sandbox.post("/_sandbox/clock", {"advance_seconds": int(hours * 3600)})


def test_x_reads_every_page_of_the_timeline_with_public_metrics(sandbox, x_channel):
    ids = [tweet(x_channel, f"Bin collections update number {n}") for n in range(230)]
    advance(sandbox, 3)

    result = own_posts.own_posts_read(channel=x_channel)

    # 230 posts is three pages of 100 on X.
    assert result.read == 230 and result.new == 230 and result.quarantined == 0
    assert sorted(OwnPost.objects.values_list("network_id", flat=True)) == sorted(ids)
    post = OwnPost.objects.get(network_id=ids[0])
    assert post.text == "Bin collections update number 0"
    assert post.permalink == f"https://x.com/i/web/status/{ids[0]}"
    assert post.impressions is not None and post.impressions > 0
    assert post.engagement == post.likes + post.reposts + post.replies + post.quotes
    assert Event.objects.filter(type="channel.own_posts_read", channel=x_channel).count() == 1


def test_a_second_read_updates_the_figures_and_adds_no_rows(sandbox, x_channel):
    first_id = tweet(x_channel, "Library opening hours are changing from Monday")
    advance(sandbox, 1)
    now = timezone.now()
    own_posts.own_posts_read(channel=x_channel, now=now)
    before = OwnPost.objects.get(network_id=first_id)

    # A day later the post has travelled further, and the council posted again.
    advance(sandbox, 24)
    tweet(x_channel, "Council tax bills go out this week")
    later = now + timedelta(minutes=15)
    second = own_posts.own_posts_read(channel=x_channel, now=later)

    assert second.read == 2 and second.new == 1
    assert OwnPost.objects.count() == 2
    after = OwnPost.objects.get(network_id=first_id)
    assert after.impressions > before.impressions
    assert after.metrics_read_at == later and after.first_read_at == before.first_read_at


def test_the_task_retried_and_a_page_served_twice_store_each_post_once(sandbox, x_channel):
    for n in range(7):
        tweet(x_channel, f"Road closure notice {n}")
    sandbox.fault(method="GET", path=TIMELINE, kind="duplicate_page", times=1)

    tasks.read_own_posts(x_channel.pk)
    tasks.read_own_posts(x_channel.pk)  # the retry of a task whose worker died after the write

    assert OwnPost.objects.count() == 7
    assert OwnPost.objects.values("network_id").distinct().count() == 7
    # The retry found nothing new: only the first read is in the event log.
    assert Event.objects.filter(type="channel.own_posts_read").count() == 1


def test_posts_older_than_the_window_are_not_read(sandbox, x_channel, settings):
    settings.KPI_OWN_POSTS_DAYS = 30
    tweet(x_channel, "An old announcement")
    # Read as if 31 days had passed: the post is out of the window.
    result = own_posts.own_posts_read(channel=x_channel, now=timezone.now() + timedelta(days=31))
    assert result.read == 0 and not OwnPost.objects.exists()


def test_a_malformed_post_is_quarantined_once_and_the_rest_stored(sandbox, x_channel, caplog):
    good = tweet(x_channel, "Recycling centre open on the bank holiday")
    broken = {"id": "1234567890123", "text": "no metrics and no date"}
    for _ in range(2):
        sandbox.fault(
            method="GET",
            path=TIMELINE,
            kind="extra_items",
            params={"items": [broken, None]},
            times=1,
        )
    with caplog.at_level(logging.WARNING):
        first = own_posts.own_posts_read(channel=x_channel)
    second = own_posts.own_posts_read(channel=x_channel)

    assert list(OwnPost.objects.values_list("network_id", flat=True)) == [good]
    assert first.quarantined == 1 and second.quarantined == 0
    kept = QuarantinedPayload.objects.get()
    assert kept.source == "own_posts" and kept.external_id == "1234567890123"
    assert "public_metrics" in kept.error
    assert any("own post unreadable" in r.getMessage() for r in caplog.records)


def test_a_rate_limited_read_stores_nothing_and_the_next_one_catches_up(sandbox, x_channel):
    for n in range(150):
        tweet(x_channel, f"Consultation reminder {n}")
    sandbox.fault(method="GET", path=TIMELINE, kind="rate_limit", times=1)
    with pytest.raises(RateLimited):
        own_posts.own_posts_read(channel=x_channel)
    assert not OwnPost.objects.exists()
    assert Event.objects.get(type="channel.own_posts_read").data["error"]

    assert own_posts.own_posts_read_by_id(channel_id=x_channel.pk).read == 150
    assert OwnPost.objects.count() == 150


def test_facebook_reads_the_page_posts_with_reactions_comments_and_shares(sandbox, fb_channel):
    for n in range(30):
        sandbox.post(
            "/_sandbox/fb/posts", {"page_id": PAGE_ID, "message": f"Park events, week {n}"}
        )
    advance(sandbox, 30)

    result = own_posts.own_posts_read(channel=fb_channel)

    # The fixture's post and 30 more: two pages of 25 on Graph.
    assert result.read == 31 and result.quarantined == 0
    assert OwnPost.objects.filter(channel=fb_channel).count() == 31
    post = OwnPost.objects.get(text="Park events, week 29")
    assert post.permalink.startswith(f"https://www.facebook.com/{PAGE_ID}/posts/")
    # Impressions come from each post's insights, Graph's own figure.
    insights = client_for(fb_channel)._get(f"{post.network_id}/insights", metric="post_impressions")
    assert post.impressions == insights["data"][0]["values"][0]["value"] > 0
    assert OwnPost.objects.filter(likes__gt=0).exists()
    assert OwnPost.objects.filter(reposts__gt=0).exists()  # shares, present only when > 0
    # The reactions summary is Graph's own number for the post.
    graph = client_for(fb_channel)._get(
        post.network_id, fields="reactions.summary(total_count).limit(0)"
    )
    assert post.likes == graph["reactions"]["summary"]["total_count"]

    advance(sandbox, 24)
    own_posts.own_posts_read(channel=fb_channel)
    assert OwnPost.objects.filter(channel=fb_channel).count() == 31
    later = OwnPost.objects.get(pk=post.pk)
    assert later.likes >= post.likes and later.impressions > post.impressions


def test_facebook_insights_refused_keeps_the_posts_without_reach(sandbox, fb_channel):
    for n in range(3):
        sandbox.post("/_sandbox/fb/posts", {"page_id": PAGE_ID, "message": f"Notice {n}"})
    advance(sandbox, 5)
    sandbox.post(
        "/_sandbox/faults",
        {"network": "fb", "path": "/insights$", "kind": "rate_limit", "times": 1},
    )

    result = own_posts.own_posts_read(channel=fb_channel)

    assert result.read == 4 and OwnPost.objects.count() == 4
    assert not OwnPost.objects.filter(impressions__isnull=False).exists()
    assert OwnPost.objects.filter(likes__gt=0).exists()

    # Read again: reach arrives; refused once more, the last figure read stays.
    own_posts.own_posts_read(channel=fb_channel)
    reach = dict(OwnPost.objects.values_list("pk", "impressions"))
    assert all(v is not None and v > 0 for v in reach.values())
    sandbox.post(
        "/_sandbox/faults",
        {"network": "fb", "path": "/insights$", "kind": "rate_limit", "times": 1},
    )
    own_posts.own_posts_read(channel=fb_channel)
    assert dict(OwnPost.objects.values_list("pk", "impressions")) == reach


def test_mastodon_reads_the_account_statuses_but_not_direct_messages(sandbox, masto_channel):
    client = client_for(masto_channel)
    public = [client.api.status_post(f"Ward surgery {n} this Saturday") for n in range(45)]
    client.api.status_post("@jo@mas.to your case number is 42", visibility="direct")

    result = own_posts.own_posts_read(channel=masto_channel)

    # 45 statuses are two pages of 40; the direct message is not a post.
    assert result.read == 45
    assert sorted(OwnPost.objects.values_list("network_id", flat=True)) == sorted(
        str(s["id"]) for s in public
    )
    post = OwnPost.objects.get(network_id=str(public[0]["id"]))
    assert post.text == "Ward surgery 0 this Saturday"
    assert post.permalink.startswith("https://")


def test_the_council_scenario_publishes_posts_that_are_read(sandbox, x_channel, fb_channel):
    sandbox.post("/_sandbox/seed", {"scenario": "council"})

    x_read = own_posts.own_posts_read(channel=x_channel)
    fb_read = own_posts.own_posts_read(channel=fb_channel)

    # The council's announcements and its own replies on X; its Page's posts.
    assert x_read.read >= 3 and fb_read.read >= 1
    assert x_read.quarantined == fb_read.quarantined == 0
    assert OwnPost.objects.filter(channel=x_channel, engagement__gt=0).exists()
    assert OwnPost.objects.filter(channel=x_channel, impressions__gt=0).exists()


def test_bluesky_reads_the_author_feed_and_a_new_reply_updates_the_count(sandbox, bsky_channel):
    for n in range(120):
        sandbox.post("/_sandbox/bsky/posts", {"account": HANDLE, "text": f"Bus lane update {n}"})
    first = own_posts.own_posts_read(channel=bsky_channel)

    # The fixture's post and 120 more: two pages of 100.
    assert first.read == 121 and first.new == 121
    ours = bsky_channel.sandbox_post["uri"]
    post = OwnPost.objects.get(network_id=ours)
    assert post.replies == 0
    assert post.permalink.startswith("https://bsky.app/profile/did:")

    bsky_inject(sandbox, kind="reply", in_reply_to=ours, author=JO, text="Which roads?")
    bsky_inject(sandbox, kind="quote", quote=ours, author=JO, text="Worth knowing")
    second = own_posts.own_posts_read(channel=bsky_channel)

    assert second.new == 0 and OwnPost.objects.count() == 121
    post.refresh_from_db()
    assert post.replies == 1 and post.quotes == 1 and post.engagement == 2


def test_storing_is_one_insert_statement_per_batch(x_channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inbox.networks.base import OwnPost as Read

    now = timezone.now()
    posts = [
        Read(external_id=str(10_000 + n), text=f"Post {n}", posted_at=now, likes=n)
        for n in range(own_posts.BATCH + 100)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert own_posts.own_posts_store(channel=x_channel, posts=posts, now=now) == len(posts)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # One statement per batch of 500 on Postgres; SQLite's cap on bound
    # variables makes Django split a batch further there.
    fields = [f for f in OwnPost._meta.concrete_fields if not f.primary_key]
    per = min(own_posts.BATCH, connection.ops.bulk_batch_size(fields, posts) or own_posts.BATCH)
    expected = -(-own_posts.BATCH // per) + -(-100 // per)
    assert len(inserts) == expected and all("ON CONFLICT" in q["sql"] for q in inserts)
    assert len(queries) == 2 + expected  # which are known (two batches), then the upserts
    if connection.vendor == "postgresql":
        assert len(inserts) == 2

    again = [Read(external_id=p.external_id, text=p.text, posted_at=now, likes=1) for p in posts]
    assert own_posts.own_posts_store(channel=x_channel, posts=again * 2, now=now) == 0
    assert OwnPost.objects.count() == len(posts)
    assert set(OwnPost.objects.values_list("likes", flat=True)) == {1}


def test_beat_reads_every_active_channel(sandbox, x_channel, fb_channel):
    from socialdesk.celery import app

    entry = app.conf.beat_schedule["kpis-read-own-posts"]
    assert entry["task"] == "kpis.tasks.dispatch_own_posts_read"
    tweet(x_channel, "Polling stations open 7am to 10pm")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the read tasks run here, in order
    try:
        assert tasks.dispatch_own_posts_read() == 2
    finally:
        app.conf.task_always_eager = eager
    assert OwnPost.objects.filter(channel=x_channel).count() == 1
    assert OwnPost.objects.filter(channel=fb_channel).count() == 1


def test_instagram_reads_our_media_with_likes_and_comments(sandbox, ig_channel):
    more = [
        sandbox.post("/_sandbox/ig/media", {"account_id": IG_ACCOUNT, "caption": f"Post {n}"})
        for n in range(30)
    ]
    ig_inject(
        sandbox, kind="comment", media_id=ig_channel.sandbox_media_id, text="When?", author=IG_JO
    )

    result = own_posts.own_posts_read(channel=ig_channel)

    # 31 media are two pages of 25; the comment counts on the first post.
    assert result.read == 31 and result.quarantined == 0
    first = OwnPost.objects.get(network_id=ig_channel.sandbox_media_id)
    assert first.text == "Our new recycling centre opens Monday" and first.replies == 1
    assert OwnPost.objects.filter(network_id=more[-1]["media"]["id"]).exists()
    again = own_posts.own_posts_read(channel=ig_channel)
    assert again.read == 31 and OwnPost.objects.filter(channel=ig_channel).count() == 31
