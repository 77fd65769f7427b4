"""Reads for the channel connection pages (admins only: the caller checks
``access.can_configure_channels`` and this still reads through the access rule)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from inbox.models import (
    BackfillStatus,
    Channel,
    ChannelBackfill,
    ChannelWebhook,
    ProfileCheck,
    QuarantinedPayload,
    WebhookDelivery,
)

QUARANTINE_SHOWN = 5  # most recent per channel on the channels page
RAW_PREVIEW = 300  # characters of a quarantined payload shown (the admin site has it all)


@dataclass(frozen=True)
class QuarantinedItem:
    """A quarantined payload as an admin reads it; ``raw`` is plain JSON text
    (cut to RAW_PREVIEW), escaped by the template like any network text."""

    created_at: datetime
    source: str
    reason: str
    external_id: str
    raw: str


@dataclass(frozen=True)
class BackfillProgress:
    """A channel's history import as its admins read it."""

    backfill: ChannelBackfill
    state: str  # queued | running | waiting | retrying | done | failed | stalled
    label: str  # the whole sentence, in words
    notes: list[str]  # streams the network keeps less of than was asked
    live: bool  # still moving: the page keeps asking for news
    can_start: bool  # the admin may import again (or resume)

    @property
    def sig(self) -> str:
        """Changes when what the admin reads changes: an unchanged status is
        not swapped in again, so screen readers do not repeat it."""
        text = "\n".join([self.label, *self.notes])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ChannelHealth:
    channel: Channel
    state: str  # needs_attention | rate_limited | failing | paused | waiting | working
    label: str  # said in words, never only by colour
    last_webhook_at: datetime | None
    backfill: BackfillProgress | None = None
    quarantined: list[QuarantinedItem] = field(default_factory=list)
    quarantined_total: int = 0
    profile: ProfileCheck | None = None  # the last profile check, if any yet
    webhook: ChannelWebhook | None = None  # X: our Account Activity registration


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
    return ChannelHealth(channel, state, label, last_webhook_at, backfill_progress(channel, now))


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %b %H:%M}"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _so_far(b: ChannelBackfill) -> str:
    text = f"{_count(b.pages, 'page')}, {_count(b.stored, 'message')}"
    return text + (f", back to {_when(b.oldest_reached)}" if b.oldest_reached else "")


STREAM_NAMES = {
    "mentions": "Mentions",
    "dms": "Direct messages",
    "comments": "Comments",
    "messenger": "Messenger",
}


def backfill_progress(channel: Channel, now: datetime) -> BackfillProgress | None:
    """The channel's history import in words. Expects ``backfill`` selected
    with the channel (else it costs a query)."""
    b = getattr(channel, "backfill", None)
    if b is None:
        return None
    notes = [
        f"{STREAM_NAMES.get(name, name)}: the last {_count(s['days'], 'day')} only ({s['note']})."
        for name, s in sorted(b.streams.items())
        if s.get("note")
    ]
    state, label = _backfill_label(b, channel.get_network_display(), now)
    live = state in ("queued", "running", "waiting", "retrying")
    return BackfillProgress(b, state, label, notes, live, can_start=not live)


def _backfill_label(b: ChannelBackfill, network: str, now: datetime) -> tuple[str, str]:
    if b.is_stalled(now):
        return "stalled", f"History import stopped unexpectedly after {_so_far(b)}."
    if b.status == BackfillStatus.DONE:
        label = (
            f"History imported: {_count(b.stored, 'message')} "
            f"from the last {_count(b.days, 'day')}."
        )
        if b.duplicates:
            label += f" {b.duplicates:,} were already in the inbox."
        return "done", label
    if b.status == BackfillStatus.FAILED:
        return "failed", (
            f"History import failed: {b.error or 'unknown error'}. "
            f"{_count(b.stored, 'message')} imported before it stopped."
        )
    if b.status == BackfillStatus.WAITING and b.run_after:
        return "waiting", (
            f"Importing history: paused for {network}'s rate limit until "
            f"{_when(b.run_after)}; {_so_far(b)} so far."
        )
    if b.error and b.run_after:
        return "retrying", (
            f"Importing history: {b.error}; trying again at {_when(b.run_after)}. "
            f"{_so_far(b)} so far."
        )
    if b.status == BackfillStatus.RUNNING or b.pages:
        return "running", f"Importing history: {_so_far(b)}."
    return "queued", f"History import queued: the last {_count(b.days, 'day')}."


def channels_health(*, user: User) -> list[ChannelHealth]:
    """Every channel the user may see, with its health; three queries whatever the count."""
    channels = list(
        access.channels_visible_to(user)
        .select_related("backfill", "profile_check", "webhook")
        .prefetch_related("teams")
        .order_by("name", "pk")
    )
    last = dict(
        WebhookDelivery.objects.filter(channel_id__in=[c.pk for c in channels])
        .values_list("channel_id")
        .annotate(last=Max("received_at"))
        .values_list("channel_id", "last")
    )
    now = timezone.now()
    recent, totals = _quarantined(channels)
    return [
        _with_quarantine(_health(c, last.get(c.pk), now), recent.get(c.pk, []), totals.get(c.pk, 0))
        for c in channels
    ]


def _with_quarantine(
    health: ChannelHealth, recent: list[QuarantinedItem], total: int
) -> ChannelHealth:
    return ChannelHealth(
        health.channel,
        health.state,
        health.label,
        health.last_webhook_at,
        health.backfill,
        quarantined=recent,
        quarantined_total=total,
        profile=_profile_check(health.channel),
        webhook=_webhook(health.channel),
    )


def _webhook(channel: Channel) -> ChannelWebhook | None:
    try:
        return channel.webhook  # select_related: no query
    except ChannelWebhook.DoesNotExist:
        return None


def _profile_check(channel: Channel) -> ProfileCheck | None:
    try:
        return channel.profile_check  # select_related: no query
    except ProfileCheck.DoesNotExist:
        return None


def _quarantined(
    channels: list[Channel],
) -> tuple[dict[int, list[QuarantinedItem]], dict[int, int]]:
    """The few most recent quarantined payloads of each channel and how many
    there are: two queries whatever the number of channels."""
    ids = [c.pk for c in channels]
    rows = (
        QuarantinedPayload.objects.filter(channel_id__in=ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("channel_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=QUARANTINE_SHOWN)
        .order_by("channel_id", "rank")
    )
    recent: dict[int, list[QuarantinedItem]] = {}
    for q in rows:
        if q.channel_id is None:  # not possible: filtered by channel above
            continue
        recent.setdefault(q.channel_id, []).append(
            QuarantinedItem(q.created_at, q.source, q.error, q.external_id, _preview(q.payload))
        )
    totals = dict(
        QuarantinedPayload.objects.filter(channel_id__in=ids)
        .values_list("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )
    return recent, totals


def _preview(payload: object) -> str:
    text = json.dumps(payload, ensure_ascii=False)
    return text if len(text) <= RAW_PREVIEW else text[:RAW_PREVIEW] + "…"


def channel_get_for_admin(*, user: User, pk: int) -> ChannelHealth:
    channel = access.channels_visible_to(user).select_related("backfill").filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel")
    last = WebhookDelivery.objects.filter(channel=channel).aggregate(last=Max("received_at"))[
        "last"
    ]
    return _health(channel, last, timezone.now())
