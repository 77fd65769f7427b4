"""KPI writes and side effects: channel-shift costs, rollup rebuild jobs,
engagement and audience snapshots from the networks, and the weekly e-mail.
Each person's action writes its ``events.Event`` in the same transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import access
from accounts.models import Membership, Role, User
from events.services import event_record
from inbox.models import Channel, ConversationKind, DeliveryState, Direction, Message
from inbox.networks import client_for
from inbox.networks.base import NetworkError
from kpis import dashboards
from kpis import metrics as m
from kpis import selectors as sel
from kpis.models import (
    ChannelShiftCosts,
    FollowerSnapshot,
    JobState,
    PostMetrics,
    PostMetricsSnapshot,
    RecomputeJob,
    WeeklySummary,
)
from kpis.rollups import kpi_zone, rollups_recompute
from socialdesk.tasking import task_enqueue_on_commit

RECOMPUTE_TASK = "kpis.tasks.run_recompute"

log = logging.getLogger(__name__)

MAX_RECOMPUTE_DAYS = 3660
_NUMBERS = (
    "likes",
    "reposts",
    "replies",
    "quotes",
    "bookmarks",
    "impressions",
    "link_clicks",
    "engagement",
)


# --- channel shift costs --------------------------------------------------------------------


def _amount(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"The {name} cost must be a number, e.g. 2.83.") from exc
    if amount < 0 or amount >= Decimal("1000000"):
        raise ValidationError(f"The {name} cost must be between 0 and 999,999.99.")
    return amount


def channel_shift_costs_update(
    *, actor: User, social, phone, face_to_face, currency: str = "£"
) -> ChannelShiftCosts:
    """Admins set the estimated cost per contact of each channel."""
    if not access.is_admin(actor):
        raise PermissionDenied("Only admins set the channel-shift costs.")
    values = {
        "social": _amount(social, "social media"),
        "phone": _amount(phone, "phone"),
        "face_to_face": _amount(face_to_face, "face-to-face"),
        "currency": (currency or "£").strip()[:3],
    }
    with transaction.atomic():
        costs = ChannelShiftCosts.objects.select_for_update().order_by("pk").first()
        if costs is None:
            costs = ChannelShiftCosts.objects.create()
        before = {name: str(getattr(costs, name)) for name in values}
        for name, value in values.items():
            setattr(costs, name, value)
        costs.updated_by = actor
        costs.save()
        event_record(
            type="kpis.costs_changed",
            actor=actor,
            data={"from": before, "to": {name: str(v) for name, v in values.items()}},
        )
    return costs


# --- rebuilding rollups ---------------------------------------------------------------------


def recompute_job_create(*, actor: User, since: date, until: date) -> RecomputeJob:
    """Queue a rebuild of the rollups for a period (admins only)."""
    if not access.is_admin(actor):
        raise PermissionDenied("Only admins rebuild the figures.")
    if until < since:
        raise ValidationError("The end of the period is before its start.")
    days = (until - since).days + 1
    if days > MAX_RECOMPUTE_DAYS:
        raise ValidationError(f"Rebuild at most {MAX_RECOMPUTE_DAYS:,} days at a time.")
    with transaction.atomic():
        job = RecomputeJob.objects.create(
            requested_by=actor, since=since, until=until, days_total=days
        )
        event_record(
            type="kpis.recompute_requested",
            actor=actor,
            data={"job_id": job.pk, "since": since.isoformat(), "until": until.isoformat()},
        )
        task_enqueue_on_commit(RECOMPUTE_TASK, job.pk)
    return job


def recompute_job_run(*, job_id: int) -> str:
    """Run a queued job once, recording progress after every chunk of days.
    The conditional update is the claim: a second worker does nothing."""
    claimed = RecomputeJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = RecomputeJob.objects.get(pk=job_id)

    def progress(done: int, total: int) -> None:
        RecomputeJob.objects.filter(pk=job_id).update(days_done=done, days_total=total)

    try:
        rollups_recompute(first=job.since, last=job.until, progress=progress)
    except Exception as exc:
        log.exception("KPI recompute job %s failed", job_id)
        RecomputeJob.objects.filter(pk=job_id).update(
            state=JobState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return JobState.FAILED
    RecomputeJob.objects.filter(pk=job_id).update(state=JobState.DONE, finished_at=timezone.now())
    return JobState.DONE


# --- engagement and audience ------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsFetch:
    followers: int
    posts: int


def _recent_posts(channel: Channel, since: datetime) -> dict[str, tuple[int, datetime]]:
    rows = (
        Message.objects.filter(
            channel=channel,
            direction=Direction.OUT,
            state=DeliveryState.SENT,
            external_id__isnull=False,
            sent_at__gte=since,
        )
        .exclude(conversation__kind=ConversationKind.PRIVATE)
        .values_list("external_id", "pk", "sent_at")
    )
    return {ext: (pk, sent_at) for ext, pk, sent_at in rows if ext is not None}


def channel_metrics_fetch(*, channel: Channel, now: datetime | None = None) -> MetricsFetch:
    """Fetch the follower count and the public metrics of our recent posts
    through the channel's network module, and store them as dated
    snapshots. Network errors propagate (nothing is stored half-way)."""
    now = now or timezone.now()
    days = settings.KPI_POST_METRICS_DAYS
    client = client_for(channel)
    followers = client.follower_count()
    posts = _recent_posts(channel, now - timedelta(days=days))
    fetched = client.post_metrics(list(posts)) if posts else {}
    today = m.local_day(now, kpi_zone())
    latest, snapshots = [], []
    for ext, public in fetched.items():
        if ext not in posts:
            continue
        pk, sent_at = posts[ext]
        numbers = m.post_numbers(public)
        latest.append(
            PostMetrics(
                message_id=pk, channel=channel, posted_at=sent_at, updated_at=now, **numbers
            )
        )
        snapshots.append(PostMetricsSnapshot(message_id=pk, day=today, taken_at=now, **numbers))
    with transaction.atomic():
        FollowerSnapshot.objects.create(channel=channel, taken_at=now, followers=followers)
        PostMetrics.objects.bulk_create(
            latest,
            update_conflicts=True,
            unique_fields=["message"],
            update_fields=[*_NUMBERS, "updated_at"],
        )
        PostMetricsSnapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=["message", "day"],
            update_fields=[*_NUMBERS, "taken_at"],
        )
        event_record(
            type="channel.metrics_fetched",
            channel=channel,
            data={"followers": followers, "posts": len(latest)},
            at=now,
        )
    return MetricsFetch(followers=followers, posts=len(latest))


def channels_for_metrics() -> list[int]:
    return list(
        Channel.objects.filter(is_active=True)
        .exclude(credentials_encrypted="")
        .values_list("pk", flat=True)
    )


def channel_metrics_fetch_by_id(*, channel_id: int) -> MetricsFetch | None:
    channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return None
    try:
        return channel_metrics_fetch(channel=channel)
    except NotImplementedError:
        log.info("No metrics client for %s yet", channel)
    except NetworkError as exc:
        # Polling reports broken channels; metrics simply wait for the next hour.
        log.warning("Metrics fetch for %s failed: %s", channel, exc)
    return None


# --- the weekly summary e-mail --------------------------------------------------------------------


def summary_recipients() -> list[User]:
    managers = Membership.objects.filter(role__in=(Role.MANAGER, Role.ADMIN)).values("user_id")
    return list(
        User.objects.filter(Q(pk__in=managers) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def _claim_summary(user: User, week_start: date) -> WeeklySummary | None:
    """One e-mail per person per week; a claim left unsent for 15 minutes
    (its worker died) may be taken over."""
    try:
        with transaction.atomic():
            return WeeklySummary.objects.create(user=user, week_start=week_start)
    except IntegrityError:
        stale = timezone.now() - timedelta(minutes=15)
        row = WeeklySummary.objects.get(user=user, week_start=week_start)
        taken = WeeklySummary.objects.filter(
            pk=row.pk, sent_at__isnull=True, created_at__lt=stale
        ).update(created_at=timezone.now())
        return row if taken else None


def weekly_summary_send(*, user: User, week_start: date) -> bool:
    """E-mail one manager last week's overview for the channels they cover."""
    scope = sel.kpi_scope_for(user=user)
    if not scope.channels:
        return False
    claim = _claim_summary(user, week_start)
    if claim is None:
        return False
    period = sel.Period(week_start, week_start + timedelta(days=6))
    board = dashboards.overview(scope=scope, period=period)
    context = {
        "user": user,
        "period": period,
        "board": board,
        "scope": scope,
        "site_url": settings.SOCIALDESK_BASE_URL,
    }
    mail = EmailMultiAlternatives(
        subject=f"SocialDesk weekly summary: {period.label()}",
        body=render_to_string("kpis/email/weekly_summary.txt", context),
        to=[user.email],
    )
    mail.attach_alternative(
        render_to_string("kpis/email/weekly_summary.html", context), "text/html"
    )
    mail.send()
    with transaction.atomic():
        WeeklySummary.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
        event_record(
            type="kpis.weekly_summary_sent",
            data={"user_id": user.pk, "week_start": week_start.isoformat()},
        )
    return True


@dataclass(frozen=True)
class SummaryRun:
    sent: int
    failed: int


def weekly_summaries_send(*, today: date | None = None) -> SummaryRun:
    """Send last week's (Monday to Sunday) summary to every manager and admin.
    One person's failure (a mail server hiccup) does not stop the others;
    their claim goes stale and a retry of the run sends it."""
    today = today or m.local_day(timezone.now(), kpi_zone())
    week_start = today - timedelta(days=today.weekday() + 7)
    sent = failed = 0
    for user in summary_recipients():
        try:
            sent += weekly_summary_send(user=user, week_start=week_start)
        except Exception:
            log.exception("Weekly summary for user %s failed", user.pk)
            failed += 1
    return SummaryRun(sent=sent, failed=failed)
