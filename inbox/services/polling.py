"""Polling channels: claim the due ones, fetch, store, keep channel health.

A channel is claimed with a conditional update (compare-and-set on its
``next_poll_at`` and lease), so two beats or two dispatchers never enqueue the
same poll twice. Rate limits reschedule the channel at the reset time; the
worker never sleeps. A permanent error (revoked token) marks the channel as
needing attention and stops polling it until an admin fixes it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role
from events.services import event_record
from inbox.models import Channel, Conversation, DeliveryState, Notification
from inbox.networks import client_for
from inbox.networks.base import (
    AuthError,
    InboundItem,
    NetworkError,
    PermanentError,
    RateLimited,
    StreamResult,
)
from inbox.services.ingest import IngestResult, messages_ingest
from socialdesk.crypto import CredentialsError

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=15)


def channels_claim_due(*, now=None, limit: int = 100) -> list[int]:
    """Claim every channel due for a poll; returns the ids claimed by this call."""
    now = now or timezone.now()
    due = (
        Channel.objects.filter(is_active=True, needs_attention=False)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .filter(Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lte=now))
        .filter(Q(poll_claimed_until__isnull=True) | Q(poll_claimed_until__lte=now))
        .values_list("pk", "next_poll_at", "poll_interval_seconds")[:limit]
    )
    claimed = []
    for pk, next_poll_at, interval in due:
        won = (
            Channel.objects.filter(pk=pk, next_poll_at=next_poll_at)
            if next_poll_at
            else (Channel.objects.filter(pk=pk, next_poll_at__isnull=True))
        )
        if won.update(
            next_poll_at=now + timedelta(seconds=interval),
            # If the poll's worker dies, the channel is claimable again after this.
            poll_claimed_until=now + timedelta(seconds=settings.POLL_CLAIM_LEASE_SECONDS),
        ):
            claimed.append(pk)
    return claimed


def channel_poll(*, channel_id: int) -> IngestResult | None:
    """Fetch everything new on the channel and store it. Items fetched before
    an error are stored; the cursor only moves for streams read to the end."""
    channel = Channel.objects.filter(pk=channel_id, is_active=True, needs_attention=False).first()
    if channel is None:
        return None
    try:
        streams = client_for(channel).fetch(dict(channel.poll_cursor))
    except CredentialsError as exc:
        channel_record_failure(channel, AuthError(str(exc)))
        return None
    except NetworkError as exc:
        channel_record_failure(channel, exc)
        return None
    result = _store(channel, streams)
    error = next((s.error for s in streams if s.error is not None), None)
    if error is not None:
        channel_record_failure(channel, error)
    else:
        _record_success(channel)
    return result


def _store(channel: Channel, streams: list[StreamResult]) -> IngestResult:
    cursor = dict(channel.poll_cursor)
    items: list[InboundItem] = []
    unparseable = []
    for stream in streams:
        items.extend(stream.items)
        unparseable.extend(stream.unparseable)
        if stream.error is None and stream.cursor:
            cursor[f"{stream.name}_since_id"] = stream.cursor
    return messages_ingest(
        channel=channel,
        items=items_without_own_echoes(channel, items),
        unparseable=unparseable,
        cursor=cursor,
    )


def items_without_own_echoes(channel: Channel, items: list[InboundItem]) -> list[InboundItem]:
    """Our own posts come back from the network (DM lists include sent DMs).
    Those SocialDesk sent are stored by the outbound service; keep only ones
    sent natively, and skip threads where a send of ours is in flight, so the
    two paths never claim the same network id."""
    outbound = [i for i in items if i.direction == "out"]
    if not outbound:
        return items
    busy_threads = set(
        Conversation.objects.filter(
            channel=channel,
            thread_key__in={i.thread_key for i in outbound},
            messages__direction="out",
            messages__state__in=[DeliveryState.QUEUED, DeliveryState.SENDING],
        ).values_list("thread_key", flat=True)
    )
    return [i for i in items if i.direction != "out" or i.thread_key not in busy_threads]


def _record_success(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(
        last_polled_at=timezone.now(),
        last_error="",
        poll_failures=0,
        rate_limited_until=None,
        poll_claimed_until=None,
    )


def channel_record_failure(channel: Channel, error: NetworkError) -> None:
    now = timezone.now()
    failures = channel.poll_failures + 1
    fields = {
        "last_error": str(error)[:2000],
        "last_error_at": now,
        "poll_claimed_until": None,
        "poll_failures": failures,
    }
    if isinstance(error, RateLimited):
        until = error.retry_at or now + _backoff(channel, failures)
        fields.update(rate_limited_until=until, next_poll_at=until)
    elif isinstance(error, PermanentError) and error.needs_attention:
        fields["needs_attention"] = True
    else:
        fields["next_poll_at"] = now + _backoff(channel, failures)
    log.warning("poll of channel %s failed: %s", channel.pk, error)
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(**fields)
        if fields.get("needs_attention") and not channel.needs_attention:
            _flag_attention(channel, error)


def _backoff(channel: Channel, failures: int) -> timedelta:
    seconds = channel.poll_interval_seconds * (2 ** min(failures, 10))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _flag_attention(channel: Channel, error: NetworkError) -> None:
    event_record(type="channel.needs_attention", channel=channel, data={"error": str(error)[:500]})
    admins = (
        Membership.objects.filter(role=Role.ADMIN, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                text=f"{channel.name} needs attention: {str(error)[:200]}",
                url=f"/admin/inbox/channel/{channel.pk}/change/",
                dedupe_key=f"channel-attention:{channel.pk}:{timezone.now():%Y%m%d%H%M}",
            )
            for user_id in set(admins)
        ],
        ignore_conflicts=True,
    )


def channel_mark_fixed(*, channel: Channel, actor) -> None:
    """An admin reconnected the channel: resume polling now."""
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(
            needs_attention=False, poll_failures=0, next_poll_at=None, last_error=""
        )
        event_record(type="channel.reconnected", actor=actor, channel=channel)
