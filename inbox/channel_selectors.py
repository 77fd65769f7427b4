"""Reads for the channel connection pages (admins only: the caller checks
``access.can_configure_channels`` and this still reads through the access rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from inbox.models import Channel, WebhookDelivery


@dataclass(frozen=True)
class ChannelHealth:
    channel: Channel
    state: str  # needs_attention | rate_limited | failing | paused | waiting | working
    label: str  # said in words, never only by colour
    last_webhook_at: datetime | None


def _health(channel: Channel, last_webhook_at: datetime | None, now: datetime) -> ChannelHealth:
    if channel.needs_attention:
        state, label = "needs_attention", "Needs attention: reconnect it"
    elif not channel.is_active:
        state, label = "paused", "Paused"
    elif channel.rate_limited_until and channel.rate_limited_until > now:
        local = timezone.localtime(channel.rate_limited_until)
        state, label = "rate_limited", f"Rate limited until {local:%H:%M}"
    elif channel.poll_failures:
        state, label = "failing", f"Failing ({channel.poll_failures} attempts in a row)"
    elif channel.last_polled_at is None:
        state, label = "waiting", "Waiting for its first poll"
    else:
        state, label = "working", "Working"
    return ChannelHealth(channel, state, label, last_webhook_at)


def channels_health(*, user: User) -> list[ChannelHealth]:
    """Every channel the user may see, with its health; three queries whatever the count."""
    channels = list(
        access.channels_visible_to(user).prefetch_related("teams").order_by("name", "pk")
    )
    last = dict(
        WebhookDelivery.objects.filter(channel_id__in=[c.pk for c in channels])
        .values_list("channel_id")
        .annotate(last=Max("received_at"))
        .values_list("channel_id", "last")
    )
    now = timezone.now()
    return [_health(c, last.get(c.pk), now) for c in channels]


def channel_get_for_admin(*, user: User, pk: int) -> ChannelHealth:
    channel = access.channels_visible_to(user).filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel")
    last = WebhookDelivery.objects.filter(channel=channel).aggregate(last=Max("received_at"))[
        "last"
    ]
    return _health(channel, last, timezone.now())
