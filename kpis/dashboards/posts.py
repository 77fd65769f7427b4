"""Engagement, amplification and reach of everything the channels publish.

Two stores hold a post's latest public figures: ``OwnPost`` (every public post
of the account, read from its timeline, whoever published it and how) and
``PostMetrics`` (our outbound messages sent through SocialDesk, fetched by id).
A reply sent through SocialDesk is in both; it counts once, as its own post:
``PostMetrics`` rows whose message is already an ``OwnPost`` of the channel
are left out. Every figure is a sum over posts published in the period.

- Engagement = likes + reposts + replies + quotes + link clicks (where given).
- Amplification = reposts + quotes.
- Reach = impressions, where the network gives them (X with the post,
  Facebook in each post's insights; not Bluesky nor Mastodon).
- Engagement rate = engagement of the posts with impressions / their impressions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from inbox.models import Network
from kpis import metrics as m
from kpis import selectors as sel
from kpis.dashboards.base import Chart, Column, Dashboard, Table
from kpis.models import OwnPost, PostMetrics
from kpis.rollups import kpi_zone

BEST_POSTS = 10
TEXT_SHOWN = 140
_COUNTS = ("likes", "reposts", "replies", "quotes", "impressions", "engagement")
# Only these give impressions; elsewhere reach is "no data", not 0.
WITH_IMPRESSIONS = (Network.X, Network.FACEBOOK)


@dataclass
class Totals:
    posts: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    link_clicks: int | None = None
    impressions: int | None = None  # None: no post in it is on a network that gives them
    engagement: int = 0
    engagement_seen: int = 0  # engagement of the posts that have impressions

    def add(self, row: dict[str, Any]) -> None:
        """Add one aggregate row of ``_sums`` (its keys are prefixed ``n_``)."""
        self.posts += row.get("n_posts") or 0
        for name in _COUNTS:
            if name != "impressions":
                setattr(self, name, getattr(self, name) + (row.get(f"n_{name}") or 0))
        if row.get("n_impressions") is not None:
            self.impressions = (self.impressions or 0) + row["n_impressions"]
        self.engagement_seen += row.get("n_engagement_seen") or 0
        if row.get("n_link_clicks") is not None:
            self.link_clicks = (self.link_clicks or 0) + row["n_link_clicks"]

    @property
    def amplification(self) -> int:
        return m.amplification_of({"reposts": self.reposts, "quotes": self.quotes})

    @property
    def rate(self) -> float | None:
        return self.engagement_seen / self.impressions if self.impressions else None


@dataclass(frozen=True)
class BestPost:
    text: str
    network: str
    channel: str
    posted_at: datetime
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int | None
    engagement: int
    link: str

    @property
    def rate(self) -> float | None:
        return self.engagement / self.impressions if self.impressions else None


def own_posts_in(scope: sel.Scope, period: sel.Period) -> QuerySet[OwnPost]:
    start, end = m.day_bounds(period.first, period.last, kpi_zone())
    return OwnPost.objects.filter(
        channel_id__in=scope.channel_ids, posted_at__gte=start, posted_at__lt=end
    )


def messages_not_own_posts(scope: sel.Scope, period: sel.Period) -> QuerySet[PostMetrics]:
    """Figures of our SocialDesk replies that are not (yet) read as own posts."""
    start, end = m.day_bounds(period.first, period.last, kpi_zone())
    also_own = OwnPost.objects.filter(
        channel_id=OuterRef("channel_id"), network_id=OuterRef("message__external_id")
    )
    return PostMetrics.objects.filter(
        channel_id__in=scope.channel_ids, posted_at__gte=start, posted_at__lt=end
    ).exclude(Exists(also_own))


def _sums(with_clicks: bool) -> dict[str, Any]:
    # Prefixed: an aggregate named like a field would shadow it for the next one.
    sums: dict[str, Any] = {f"n_{name}": Sum(name) for name in _COUNTS}
    sums["n_impressions"] = Sum("impressions", filter=Q(channel__network__in=WITH_IMPRESSIONS))
    sums["n_posts"] = Count("pk")
    # Impressions are null (own posts) or 0 (messages) where the network gives none.
    sums["n_engagement_seen"] = Sum("engagement", filter=Q(impressions__gt=0))
    if with_clicks:
        sums["n_link_clicks"] = Sum("link_clicks")
    return sums


def totals_by_channel(scope: sel.Scope, period: sel.Period) -> dict[int, Totals]:
    out: dict[int, Totals] = defaultdict(Totals)
    for qs, clicks in (
        (own_posts_in(scope, period), False),
        (messages_not_own_posts(scope, period), True),
    ):
        for row in qs.values("channel_id").annotate(**_sums(clicks)).order_by():
            out[row["channel_id"]].add(row)
    return out


def totals_by_day(scope: sel.Scope, period: sel.Period) -> dict[date, Totals]:
    zone = kpi_zone()
    out: dict[date, Totals] = defaultdict(Totals)
    for qs, clicks in (
        (own_posts_in(scope, period), False),
        (messages_not_own_posts(scope, period), True),
    ):
        rows = (
            qs.annotate(day=TruncDate("posted_at", tzinfo=zone))
            .values("day")
            .annotate(**_sums(clicks))
            .order_by()
        )
        for row in rows:
            out[row["day"]].add(row)
    return out


def best_posts(scope: sel.Scope, period: sel.Period, *, limit: int = BEST_POSTS) -> list[BestPost]:
    """The period's posts with the most engagement (ties: the newer first):
    the best of each store, merged. Two queries whatever the limit."""
    names = dict(Network.choices)
    channels = {c.pk: c for c in scope.channels}
    found: list[BestPost] = []
    order = ("-engagement", "-posted_at")
    for own in own_posts_in(scope, period).order_by(*order)[:limit]:
        channel = channels[own.channel_id]
        found.append(
            BestPost(
                text=own.text[:TEXT_SHOWN],
                network=names.get(channel.network, channel.network),
                channel=channel.name,
                posted_at=own.posted_at,
                likes=own.likes,
                reposts=own.reposts,
                replies=own.replies,
                quotes=own.quotes,
                impressions=own.impressions,
                engagement=own.engagement,
                link=own.permalink,
            )
        )
    replies = (
        messages_not_own_posts(scope, period)
        .select_related("message")
        .only("message__text", *_COUNTS, "posted_at", "channel_id")
        .order_by(*order)[:limit]
    )
    for p in replies:
        channel = channels[p.channel_id]
        found.append(
            BestPost(
                text=p.message.text[:TEXT_SHOWN],
                network=names.get(channel.network, channel.network),
                channel=channel.name,
                posted_at=p.posted_at,
                likes=p.likes,
                reposts=p.reposts,
                replies=p.replies,
                quotes=p.quotes,
                impressions=p.impressions or None,
                engagement=p.engagement,
                link="",
            )
        )
    found.sort(key=lambda b: (b.engagement, b.posted_at), reverse=True)
    return found[:limit]


def engagement(*, scope: sel.Scope, period: sel.Period) -> Dashboard:
    by_channel = totals_by_channel(scope, period)
    channel_rows = []
    for channel in scope.channels:
        t = by_channel.get(channel.pk) or Totals()
        channel_rows.append(
            [
                channel.name,
                t.posts,
                t.likes,
                t.reposts,
                t.replies,
                t.quotes,
                t.link_clicks,
                t.impressions,
                t.engagement,
                t.amplification,
                t.rate,
            ]
        )
    by_day = totals_by_day(scope, period)
    daily_rows = []
    for day in period.each_day():
        t = by_day.get(day) or Totals()
        daily_rows.append([day, t.posts, t.engagement, t.amplification, t.impressions, t.rate])
    best_rows = [
        [
            b.text,
            b.network,
            b.channel,
            b.posted_at,
            b.likes,
            b.reposts,
            b.replies,
            b.quotes,
            b.impressions,
            b.engagement,
            b.rate,
            b.link,
        ]
        for b in best_posts(scope, period)
    ]
    count_cols = ("Likes", "Reposts", "Replies", "Quotes", "Link clicks", "Impressions (reach)")
    return Dashboard(
        "engagement",
        "Engagement",
        [
            Table(
                "channels",
                "Per channel",
                [
                    Column("Channel"),
                    Column("Posts", "int"),
                    *(Column(c, "int") for c in count_cols),
                    Column("Engagement", "int"),
                    Column("Amplification", "int"),
                    Column("Engagement rate", "share"),
                ],
                channel_rows,
                note="Every public post the channel published in the period, through SocialDesk "
                "or not, counted once, with its latest figures from the network. Engagement = "
                "likes + reposts + replies + quotes + link clicks (where the network gives them). "
                "Amplification = reposts + quotes. Reach = impressions, where the network gives "
                "them (X, Facebook). Engagement rate = engagement ÷ impressions, over the posts that have "
                "impressions.",
            ),
            Table(
                "daily",
                "By day posted",
                [
                    Column("Day", "date"),
                    Column("Posts", "int"),
                    Column("Engagement", "int"),
                    Column("Amplification", "int"),
                    Column("Impressions (reach)", "int"),
                    Column("Engagement rate", "share"),
                ],
                daily_rows,
                charts=[Chart("bar", "Engagement with our posts, by day posted", (2,))],
            ),
            Table(
                "top",
                "Posts that did best",
                [
                    Column("Post"),
                    Column("Network"),
                    Column("Channel"),
                    Column("Posted", "datetime"),
                    *(
                        Column(c, "int")
                        for c in ("Likes", "Reposts", "Replies", "Quotes", "Impressions (reach)")
                    ),
                    Column("Engagement", "int"),
                    Column("Engagement rate", "share"),
                    Column("On the network", "link"),
                ],
                best_rows,
                note=f"The {BEST_POSTS} posts published in the period with the most engagement. "
                "Impressions show “no data” where the network does not give them.",
            ),
        ],
    )
