"""The council's own posts (issue 20 point 7): read each channel's own public
posts with their public metrics, store new ones and keep the figures of those
up to ``KPI_OWN_POSTS_DAYS`` old current.

Writes are idempotent: one multi-row ``INSERT … ON CONFLICT (channel,
network_id) DO UPDATE`` per batch, so a second read, an overlapping page or a
retried task changes figures, never the number of rows. A post the network
sends malformed is quarantined once (with a log line) and the rest is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.services import event_record
from inbox.models import Channel, QuarantinedPayload
from inbox.networks import base, client_for
from inbox.services.ingest import payloads_quarantine
from kpis import metrics as m
from kpis.models import OwnPost

log = logging.getLogger(__name__)

SOURCE = "own_posts"  # QuarantinedPayload.source
BATCH = 500
_FIGURES = ("likes", "replies", "reposts", "quotes", "impressions", "engagement")
_UPDATED = ("text", "permalink", *_FIGURES, "metrics_read_at")


@dataclass(frozen=True)
class OwnPostsResult:
    read: int
    new: int
    quarantined: int
    error: str = ""


def _row(channel: Channel, post: base.OwnPost, now: datetime) -> OwnPost:
    figures = {
        "likes": post.likes,
        "replies": post.replies,
        "reposts": post.reposts,
        "quotes": post.quotes,
        "impressions": post.impressions,
    }
    return OwnPost(
        channel=channel,
        network_id=post.external_id,
        text=post.text,
        posted_at=post.posted_at,
        permalink=post.permalink,
        engagement=m.engagement_of(figures),
        first_read_at=now,
        metrics_read_at=now,
        **figures,
    )


def own_posts_store(*, channel: Channel, posts: Sequence[base.OwnPost], now: datetime) -> int:
    """Insert new posts and update the figures of known ones, one statement
    per batch; returns how many were new. A post read twice in one answer (a
    page served twice) is stored once, with the figures read first (newest)."""
    unique: dict[str, base.OwnPost] = {}
    for post in posts:
        unique.setdefault(post.external_id, post)
    ids = list(unique)
    known: dict[str, int | None] = {}
    for start in range(0, len(ids), BATCH):
        known.update(
            OwnPost.objects.filter(
                channel=channel, network_id__in=ids[start : start + BATCH]
            ).values_list("network_id", "impressions")
        )
    rows = [_row(channel, post, now) for post in unique.values()]
    for row in rows:
        # Reach not read this time (Facebook's insights refused) keeps the last figure read.
        if row.impressions is None:
            row.impressions = known.get(row.network_id)
    for start in range(0, len(rows), BATCH):
        OwnPost.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["channel", "network_id"],
            update_fields=list(_UPDATED),
        )
    return len(set(ids) - set(known))


def _quarantine_new(channel: Channel, bad: Sequence[base.Unparseable]) -> int:
    """Quarantine unreadable posts not already kept: the same broken post is
    read again on every pass for 30 days and is one problem, not hundreds.
    One without an id cannot be recognised, so it is only logged again."""
    if not bad:
        return 0
    named = [b.external_id for b in bad if b.external_id]
    kept = set(
        QuarantinedPayload.objects.filter(
            channel=channel, source=SOURCE, external_id__in=named
        ).values_list("external_id", flat=True)
    )
    fresh, seen = [], set(kept)
    for b in bad:
        if b.external_id and b.external_id in seen:
            continue
        if b.external_id:
            seen.add(b.external_id)
            fresh.append(b)
        else:
            log.warning(
                "own post unreadable: channel=%s network=%s reason=%s",
                channel.pk,
                channel.network,
                b.error[:500],
            )
    payloads_quarantine(channel=channel, network=channel.network, source=SOURCE, bad=fresh)
    return len(fresh)


def own_posts_read(*, channel: Channel, now: datetime | None = None) -> OwnPostsResult:
    """Read the channel's own posts back ``KPI_OWN_POSTS_DAYS`` and store them.
    A network error part-way stores what was read first, then is raised."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.KPI_OWN_POSTS_DAYS)
    found = client_for(channel).own_posts(since=since)
    with transaction.atomic():
        new = own_posts_store(channel=channel, posts=found.posts, now=now)
        quarantined = _quarantine_new(channel, found.unparseable)
        # Figures change on every read; the log records what a person may
        # want to trace (new posts, a quarantined one, a failing read), not
        # the 96 routine reads a day.
        if new or quarantined or found.error is not None:
            event_record(
                type="channel.own_posts_read",
                channel=channel,
                data={
                    "read": len(found.posts),
                    "new": new,
                    "quarantined": quarantined,
                    "error": str(found.error or ""),
                },
                at=now,
            )
    if found.error is not None:
        raise found.error
    return OwnPostsResult(read=len(found.posts), new=new, quarantined=quarantined)


def channels_for_own_posts() -> list[int]:
    return list(
        Channel.objects.filter(is_active=True)
        .exclude(credentials_encrypted="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def own_posts_read_by_id(*, channel_id: int) -> OwnPostsResult | None:
    """The task's entry: a network without a reader yet, or a failing
    network, is logged; the next scheduled read is the retry."""
    channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return None
    try:
        return own_posts_read(channel=channel)
    except NotImplementedError:
        log.info("Own posts are not read on %s yet", channel.network)
    except base.NetworkError as exc:
        log.warning("Reading own posts of channel %s failed: %s", channel.pk, exc)
    return None
