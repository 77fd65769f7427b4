"""Engagement and audience: follower counts and post metrics fetched from the
sandbox X network through the real client (tweepy over HTTP), stored as
dated snapshots, and shown on the dashboards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox.models import Conversation, DeliveryState
from inbox.networks.base import AuthError
from inbox.services import outbound, polling
from kpis import metrics as m
from kpis import services
from kpis.models import FollowerSnapshot, PostMetrics, PostMetricsSnapshot
from kpis.rollups import kpi_zone


@pytest.fixture
def our_reply(sandbox, x_channel, officer, django_capture_on_commit_callbacks):
    """A citizen's mention, polled in, answered through the sandbox."""
    sandbox.inject(kind="mention", account_id="999", text="@council_help is the tip open?")
    polling.channel_poll(channel_id=x_channel.pk)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        reply = outbound.reply_create(conversation=conversation, actor=officer, text="Yes, 8-6.")
    assert outbound.message_deliver(message_id=reply.pk).state == DeliveryState.SENT
    reply.refresh_from_db()
    return reply


@pytest.mark.django_db
def test_followers_and_post_metrics_are_stored_as_dated_snapshots(sandbox, x_channel, our_reply):
    now = timezone.now()
    first = services.channel_metrics_fetch(channel=x_channel, now=now)
    assert first.followers >= 5200 and first.posts == 1
    metrics = PostMetrics.objects.get(message=our_reply)
    assert metrics.channel == x_channel
    assert metrics.engagement == m.engagement_of(vars(metrics))

    # A day later on the network: audience and engagement have grown.
    sandbox.post("/_sandbox/clock", {"advance_seconds": 86400})
    second = services.channel_metrics_fetch(channel=x_channel, now=now + timedelta(days=1))
    assert second.followers > first.followers
    assert FollowerSnapshot.objects.filter(channel=x_channel).count() == 2
    days = list(PostMetricsSnapshot.objects.filter(message=our_reply).values_list("day", flat=True))
    assert len(days) == 2 and days[0] != days[1]
    latest = PostMetrics.objects.get(message=our_reply)
    assert latest.impressions >= metrics.impressions
    assert Event.objects.filter(type="channel.metrics_fetched", channel=x_channel).count() == 2


@pytest.mark.django_db
def test_private_messages_have_no_public_metrics(
    sandbox, x_channel, officer, django_capture_on_commit_callbacks
):
    sandbox.inject(kind="dm", account_id="999", author={"id": "222", "username": "sam"}, text="hi")
    polling.channel_poll(channel_id=x_channel.pk)
    with django_capture_on_commit_callbacks(execute=False):
        dm = outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Hi"
        )
    outbound.message_deliver(message_id=dm.pk)
    assert services.channel_metrics_fetch(channel=x_channel).posts == 0


@pytest.mark.django_db
def test_a_network_error_stores_nothing(sandbox, x_channel, our_reply):
    sandbox.post(
        "/_sandbox/faults", {"kind": "expired_token", "path": "^/2/users/999$", "times": 2}
    )
    with pytest.raises(AuthError):
        services.channel_metrics_fetch(channel=x_channel)
    assert not FollowerSnapshot.objects.exists() and not PostMetrics.objects.exists()
    assert services.channel_metrics_fetch_by_id(channel_id=x_channel.pk) is None


@pytest.mark.django_db
def test_engagement_and_audience_dashboards_show_the_snapshots(
    client, manager, sandbox, x_channel, our_reply
):
    now = timezone.now()
    services.channel_metrics_fetch(channel=x_channel, now=now - timedelta(hours=2))
    sandbox.post("/_sandbox/clock", {"advance_seconds": 7200})
    services.channel_metrics_fetch(channel=x_channel, now=now)
    client.force_login(manager)
    today = m.local_day(now, kpi_zone())
    period = {"start": (today - timedelta(days=6)).isoformat(), "end": today.isoformat()}

    api = client.get(reverse("kpis-api:engagement"), period).json()
    top = next(t for t in api["tables"] if t["slug"] == "top")
    assert [row[0] for row in top["rows"]] == ["Yes, 8-6."]
    per_channel = next(t for t in api["tables"] if t["slug"] == "channels")
    assert per_channel["rows"][0][1] == 1  # one post

    audience = client.get(reverse("kpis-api:audience"), period).json()
    summary = next(t for t in audience["tables"] if t["slug"] == "channels")["rows"][0]
    start, end, gained, lost, net = summary[1:]
    assert end - start == net == gained - lost
    page = client.get(reverse("kpis:audience"), period)
    assert page.status_code == 200 and x_channel.name in page.content.decode()


def test_engagement_rate_and_amplification_from_public_metrics():
    numbers = m.post_numbers(
        {"like_count": 10, "retweet_count": 4, "reply_count": 2, "quote_count": 1,
         "bookmark_count": 3, "impression_count": 340}
    )  # fmt: skip
    assert numbers["engagement"] == 17  # bookmarks are not engagement; no link clicks on X
    assert numbers["link_clicks"] is None
    assert m.amplification_of(numbers) == 5
    assert numbers["engagement"] / numbers["impressions"] == pytest.approx(0.05)


def test_gained_and_lost_come_from_consecutive_snapshots():
    from datetime import datetime

    zone = kpi_zone()
    at = lambda d, h: datetime(2026, 3, d, h, tzinfo=zone)  # noqa: E731
    days = m.audience_days(
        [(at(2, 9), 100), (at(2, 12), 104), (at(2, 18), 101), (at(3, 9), 110)], zone, before=99
    )
    assert [(d.day, d.followers, d.gained, d.lost) for d in days] == [
        (date(2026, 3, 2), 101, 5, 3),
        (date(2026, 3, 3), 110, 9, 0),
    ]


@pytest.mark.django_db
def test_the_inbox_services_events_feed_the_kpis(sandbox, x_channel, our_reply, officer):
    """Real ingest, delivery, resolve and reopen: the cycle maths reads what
    the services write."""
    from inbox.models import Message
    from inbox.services.actions import conversation_set_status
    from kpis import rollups
    from kpis import selectors as sel

    inbound = Message.objects.get(direction="in")
    sent = Event.objects.get(type="message.sent")
    conversation = inbound.conversation
    conversation_set_status(conversation=conversation, actor=officer, status="resolved")
    sandbox.inject(
        kind="reply", account_id="999", in_reply_to_tweet_id=our_reply.external_id,
        author={"id": inbound.author_contact.external_id}, text="@council_help thanks, and one more",
    )  # fmt: skip
    polling.channel_poll(channel_id=x_channel.pk)
    conversation.refresh_from_db()
    assert conversation.status == "open"  # reopened by the new inbound message

    today = m.local_day(timezone.now(), kpi_zone())
    period = sel.Period(today - timedelta(days=1), today + timedelta(days=1))
    s = sel.summary_from_events(channel_ids=[x_channel.pk], period=period)
    assert (s.inbound, s.cycles, s.answered, s.awaiting, s.resolved) == (2, 2, 1, 1, 1)
    assert s.frt_calendar.median == m.calendar_seconds(inbound.sent_at, sent.at)
    rollups.rollups_refresh()
    assert sel.summary_from_rollups(channel_ids=[x_channel.pk], period=period) == s
