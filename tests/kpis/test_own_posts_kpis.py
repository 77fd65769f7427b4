"""Own posts in the engagement figures (issue 20 point 7): everything the
council publishes counts, a reply sent through SocialDesk counts once, and
the "Posts that did best" table reads a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, DeliveryState
from inbox.services import outbound, polling
from kpis import metrics as m
from kpis import own_posts, services
from kpis import selectors as sel
from kpis.dashboards import posts as eng
from kpis.models import OwnPost, PostMetrics
from kpis.rollups import kpi_zone
from tests.factories import ChannelFactory
from tests.kpis.test_own_posts import tweet

pytestmark = pytest.mark.django_db


def _today():
    return m.local_day(timezone.now(), kpi_zone())


def _week():
    today = _today()
    return sel.Period(today - timedelta(days=6), today)


def _api_table(client, slug: str) -> dict:
    period = _week()
    api = client.get(
        reverse("kpis-api:engagement"),
        {"start": period.first.isoformat(), "end": period.last.isoformat()},
    ).json()
    return next(t for t in api["tables"] if t["slug"] == slug)


@pytest.fixture
def reply_and_announcement(sandbox, x_channel, officer, django_capture_on_commit_callbacks):
    """A reply sent through SocialDesk and an announcement posted on X directly."""
    sandbox.inject(kind="mention", account_id="999", text="@council_help is the tip open?")
    polling.channel_poll(channel_id=x_channel.pk)
    with django_capture_on_commit_callbacks(execute=False):
        reply = outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Yes, 8-6 today."
        )
    assert outbound.message_deliver(message_id=reply.pk).state == DeliveryState.SENT
    reply.refresh_from_db()
    announcement = tweet(x_channel, "Garden waste collections restart on Monday")
    sandbox.post("/_sandbox/clock", {"advance_seconds": 3 * 3600})
    return reply, announcement


def test_everything_published_counts_and_a_socialdesk_reply_counts_once(
    client, manager, x_channel, reply_and_announcement
):
    reply, announcement = reply_and_announcement
    scope = sel.kpi_scope_for(user=manager)

    # Before own posts are read: the reply's figures come from its message.
    services.channel_metrics_fetch(channel=x_channel)
    only_reply = eng.totals_by_channel(scope, _week())[x_channel.pk]
    assert only_reply.posts == 1
    assert only_reply.engagement == PostMetrics.objects.get(message=reply).engagement

    own_posts.own_posts_read(channel=x_channel)
    assert OwnPost.objects.filter(network_id=reply.external_id).exists()
    totals = eng.totals_by_channel(scope, _week())[x_channel.pk]
    own = list(OwnPost.objects.all())
    assert totals.posts == 2 == len(own)
    assert totals.engagement == sum(p.engagement for p in own)
    assert totals.impressions == sum(p.impressions or 0 for p in own)
    assert totals.amplification == sum(p.reposts + p.quotes for p in own)
    assert sum(t.posts for t in eng.totals_by_day(scope, _week()).values()) == 2

    client.force_login(manager)
    per_channel = _api_table(client, "channels")
    assert per_channel["rows"][0][1] == 2
    assert per_channel["rows"][0][8] == totals.engagement
    best = _api_table(client, "top")
    texts = [row[0] for row in best["rows"]]
    assert sorted(texts) == sorted(
        ["Yes, 8-6 today.", "Garden waste collections restart on Monday"]
    )
    assert any(row[-1] == f"https://x.com/i/web/status/{announcement}" for row in best["rows"])


def _own_post(channel, n: int, text: str = "", **figures) -> OwnPost:
    now = timezone.now()
    numbers = {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, **figures}
    return OwnPost.objects.create(
        channel=channel,
        network_id=str(1000 + n),
        text=text or f"Post {n}",
        posted_at=now - timedelta(minutes=n),
        permalink=f"https://x.com/i/web/status/{1000 + n}",
        engagement=m.engagement_of(numbers),
        first_read_at=now,
        metrics_read_at=now,
        **numbers,
    )


def test_the_best_posts_are_ordered_by_engagement_escaped_and_linked(client, manager, x_channel):
    _own_post(x_channel, 1, likes=3)
    _own_post(
        x_channel, 2, likes=40, reposts=5, text='<b>Flood</b> & "warning" <script>x()</script>'
    )
    _own_post(x_channel, 3, likes=10, replies=2)
    other = ChannelFactory(name="Not covered")  # a channel the manager does not cover
    _own_post(other, 4, likes=999)

    scope = sel.kpi_scope_for(user=manager)
    best = eng.best_posts(scope, _week())
    assert [b.engagement for b in best] == [45, 12, 3]
    assert best[0].network == "X" and best[0].channel == x_channel.name

    client.force_login(manager)
    page = client.get(reverse("kpis:engagement")).content.decode()
    assert "Posts that did best" in page
    assert "&lt;b&gt;Flood&lt;/b&gt; &amp; &quot;warning&quot; &lt;script&gt;" in page
    assert "<script>x()" not in page and "<b>Flood" not in page
    assert 'href="https://x.com/i/web/status/1002"' in page
    assert "Not covered" not in page and "1004" not in page


def test_the_best_posts_table_reads_a_fixed_number_of_queries(client, manager, x_channel):
    scope = sel.kpi_scope_for(user=manager)
    for n in range(3):
        _own_post(x_channel, n, likes=n)
    with CaptureQueriesContext(connection) as few:
        assert len(eng.best_posts(scope, _week())) == 3
    client.force_login(manager)
    with CaptureQueriesContext(connection) as few_page:
        client.get(reverse("kpis:engagement"))

    for n in range(3, 60):
        _own_post(x_channel, n, likes=n)
    ChannelFactory(name="Another", covered_by=list(manager.teams.all()))
    scope = sel.kpi_scope_for(user=manager)
    with CaptureQueriesContext(connection) as many:
        assert len(eng.best_posts(scope, _week())) == eng.BEST_POSTS
    with CaptureQueriesContext(connection) as many_page:
        client.get(reverse("kpis:engagement"))

    # One query for own posts, one for SocialDesk replies not read as own posts.
    assert len(few) == len(many) == 2
    assert len(many_page) == len(few_page)


def test_reach_is_no_data_on_networks_that_give_no_impressions(client, manager, x_channel):
    teams = list(manager.teams.all())
    bsky = ChannelFactory(name="Riverside Bluesky", network="bluesky", covered_by=teams)
    _own_post(x_channel, 1, likes=3, impressions=120)
    _own_post(bsky, 2, likes=7)  # Bluesky posts carry no impressions

    totals = eng.totals_by_channel(sel.kpi_scope_for(user=manager), _week())
    assert totals[x_channel.pk].impressions == 120
    assert totals[bsky.pk].impressions is None and totals[bsky.pk].rate is None

    client.force_login(manager)
    rows = {row[0]: row for row in _api_table(client, "channels")["rows"]}
    assert rows[x_channel.name][7] == 120
    assert rows["Riverside Bluesky"][7] is None  # not 0: the network does not say
    page = client.get(reverse("kpis:engagement")).content.decode()
    assert "no data" in page
