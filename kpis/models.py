"""KPI storage: daily rollups derived from the event log, engagement and
audience snapshots fetched from the networks, channel-shift cost settings,
and the bookkeeping of recomputes and weekly e-mails.

Rollup rows are derived data: ``kpis.rollups`` rebuilds any of them from
``events.Event`` at any time with identical results. They hold the exact
first-response and resolution times of the day (in whole seconds) rather
than averages, so a median or p90 over any range of days is exact.
"""

from __future__ import annotations

import base64
import sys
from array import array
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


def _hours() -> list[int]:
    return [0] * 24


_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)


def seconds_pack(values) -> str:
    packed = array(_UINT32, sorted(values))
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def seconds_unpack(text: str | None) -> list[int]:
    if not text:
        return []
    packed = array(_UINT32)
    packed.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tolist()


class SecondsField(models.TextField):
    """Whole seconds, sorted, stored packed (base64 of little-endian uint32).

    A dashboard month reads a few hundred thousand of these; unpacking is
    about ten times faster than decoding the same list from JSON, which kept
    the 30-day overview at a million messages over its 300 ms budget."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("default", None)
        kwargs.pop("blank", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection) -> list[int]:
        return seconds_unpack(value)

    def to_python(self, value) -> list[int]:
        return seconds_unpack(value) if isinstance(value, str) else list(value or [])

    def get_prep_value(self, value) -> str:
        return seconds_pack(value or [])


class DailyChannelStats(models.Model):
    """One channel on one local day (``KPI_TIME_ZONE``). Conversation cycles
    count on the day they started; inbound on the day the network says it
    was sent; replies and escalations on the day they happened."""

    day = models.DateField()
    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    inbound = models.PositiveIntegerField(default=0)
    inbound_by_hour = models.JSONField(default=_hours)
    cycles = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    liked = models.PositiveIntegerField(default=0)
    no_reply_needed = models.PositiveIntegerField(default=0)
    closed_unanswered = models.PositiveIntegerField(default=0)
    awaiting = models.PositiveIntegerField(default=0)
    auto_acknowledged = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_after_answer = models.PositiveIntegerField(default=0)
    frt_calendar = SecondsField()
    frt_staffed = SecondsField()
    resolution_calendar = SecondsField()
    resolution_staffed = SecondsField()
    replies_human = models.PositiveIntegerField(default=0)
    replies_automated = models.PositiveIntegerField(default=0)
    escalations = models.PositiveIntegerField(default=0)
    escalation_ack = SecondsField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="kpi_daily_channel_once")
        ]
        indexes = [models.Index(fields=["channel", "day"], name="kpi_daily_channel_idx")]

    def __str__(self) -> str:
        return f"{self.day} channel {self.channel_id}"


class DailyOfficerStats(models.Model):
    """One person's work on one channel on one local day."""

    day = models.DateField()
    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    handled = models.PositiveIntegerField(default=0)
    frt_calendar = SecondsField()
    frt_staffed = SecondsField()
    resolved = models.PositiveIntegerField(default=0)
    resolution_calendar = SecondsField()
    replies = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "user"], name="kpi_daily_officer_once"
            )
        ]
        indexes = [models.Index(fields=["user", "day"], name="kpi_daily_officer_idx")]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id} on channel {self.channel_id}"


class RollupCursor(models.Model):
    """How far the incremental refresh has read the event log (by id)."""

    name = models.CharField(max_length=32, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RecomputeJob(models.Model):
    """A rebuild of the rollups for a period, run by a worker, with progress."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateField()
    until = models.DateField()
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    days_total = models.PositiveIntegerField(default=0)
    days_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Recompute {self.since}..{self.until} ({self.state})"

    @property
    def percent(self) -> int:
        if not self.days_total:
            return 100 if self.state == JobState.DONE else 0
        return round(100 * self.days_done / self.days_total)

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class FollowerSnapshot(models.Model):
    """A channel's follower count as the network reported it at one moment."""

    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField()
    followers = models.PositiveIntegerField()

    class Meta:
        ordering = ["channel", "taken_at"]
        indexes = [models.Index(fields=["channel", "taken_at"], name="kpi_followers_idx")]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.followers} at {self.taken_at:%Y-%m-%d %H:%M}"


class _PostNumbers(models.Model):
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    quotes = models.PositiveIntegerField(default=0)
    bookmarks = models.PositiveIntegerField(default=0)
    impressions = models.PositiveIntegerField(default=0)
    # Null when the network does not give link clicks for the post.
    link_clicks = models.PositiveIntegerField(null=True, blank=True)
    engagement = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class PostMetrics(_PostNumbers):
    """The latest public metrics of one of our outbound posts."""

    message = models.OneToOneField("inbox.Message", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    posted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["channel", "posted_at"], name="kpi_post_channel_idx")]

    def __str__(self) -> str:
        return f"Metrics of message {self.message_id}"


class PostMetricsSnapshot(_PostNumbers):
    """The metrics of one post as fetched on one day (the last fetch of the day)."""

    message = models.ForeignKey("inbox.Message", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "day"], name="kpi_post_snapshot_once")
        ]

    def __str__(self) -> str:
        return f"Metrics of message {self.message_id} on {self.day}"


class OwnPost(models.Model):
    """One of a channel's own public posts (published anywhere: SocialDesk,
    the network's app, a scheduler) with its latest public metrics, read from
    the network and kept current while it is up to 30 days old.

    A post that is also one of our outbound messages (a reply sent through
    SocialDesk) has ``PostMetrics`` too; the dashboards count it once, from
    here. ``impressions`` is null where the network does not give it with
    the post; ``engagement`` is stored (by ``kpis.metrics.engagement_of``) so
    the best posts are one indexed read."""

    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    # Long enough for a Bluesky at:// uri; X and Mastodon ids are digits.
    network_id = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    posted_at = models.DateTimeField()
    permalink = models.URLField(max_length=500, blank=True)
    likes = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)  # retweets, shares, boosts
    quotes = models.PositiveIntegerField(default=0)
    impressions = models.PositiveIntegerField(null=True, blank=True)
    engagement = models.PositiveIntegerField(default=0)
    first_read_at = models.DateTimeField()
    metrics_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "network_id"], name="kpi_own_post_once")
        ]
        indexes = [
            models.Index(fields=["channel", "posted_at"], name="kpi_own_post_channel_idx"),
        ]

    def __str__(self) -> str:
        return f"Own post {self.network_id} on channel {self.channel_id}"


def _money(default: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))],
    )


class ChannelShiftCosts(models.Model):
    """Estimated cost of handling one contact on each channel (one row).

    Defaults are Socitm's 2011 channel-value benchmark (face to face £8.62,
    phone £2.83, web £0.15); practitioners warn these are information-only
    costs, so every figure derived from them is shown as an estimate."""

    social = _money("0.15")
    phone = _money("2.83")
    face_to_face = _money("8.62")
    currency = models.CharField(max_length=3, default="£")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "channel shift costs"

    def __str__(self) -> str:
        return "Channel shift costs"


class WeeklySummary(models.Model):
    """The claim that makes one weekly e-mail per person per week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="kpi_weekly_once")
        ]

    def __str__(self) -> str:
        return f"Weekly summary for {self.user_id}, week of {self.week_start}"
