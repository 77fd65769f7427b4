"""Importing a channel's history (backfill): the last N days the network
still serves, in the background, through the same ``ingest`` as polling.

One ``ChannelBackfill`` row per channel holds the progress its admins see and
where each stream resumes. A worker claims the row with a conditional update
(a claim token plus a lease), stores one network page per transaction
together with the progress it made, and renews the lease as it goes, so:
- a crash or a fault mid-import keeps every page stored before it, and the
  next run continues from the last stored page (re-reading a page is
  harmless: ingest inserts with ON CONFLICT DO NOTHING);
- a rate limit hands the row back with ``run_after`` at the reset time and
  the task is rescheduled for then: no worker ever sleeps on it;
- a long import hands over to a fresh task every ``SLICE`` so one run never
  holds a worker for long.
Polling owns ``Channel.poll_cursor``: an import never reads or moves it, so
the two can overlap freely and neither can make the other skip a message.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import access
from events.services import event_record
from inbox.models import BackfillStatus, Channel, ChannelBackfill
from inbox.networks import client_for
from inbox.networks.base import (
    AuthError,
    BackfillPage,
    NetworkClient,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from inbox.services.ingest import messages_ingest
from inbox.services.polling import items_without_own_echoes
from socialdesk.crypto import CredentialsError
from socialdesk.tasking import task_enqueue_on_commit

# The Celery task that runs an import (channels.tasks.backfill_channel).
BACKFILL_TASK = "inbox.tasks.backfill_channel"

log = logging.getLogger(__name__)

MAX_DAYS = 90
LEASE = timedelta(minutes=5)  # renewed with every stored page
SLICE = timedelta(seconds=120)  # one task run reads at most this long, then hands over
MAX_TRANSIENT_FAILURES = 5  # in a row (rate limits excluded), then the import fails
MAX_BACKOFF = timedelta(minutes=15)
ACTIVE = (BackfillStatus.QUEUED, BackfillStatus.RUNNING, BackfillStatus.WAITING)


@dataclass(frozen=True)
class BackfillRun:
    """What one run did; ``retry_at`` (if set) is when the task must run again."""

    status: str
    retry_at: datetime | None = None


class _ClaimLost(Exception):
    """Another worker took the import over (our lease ran out)."""


# --- starting ---------------------------------------------------------------------------


def channel_backfill_start(*, channel: Channel, actor, days: int) -> ChannelBackfill:
    """Start importing the channel's last ``days`` days, or resume an import
    that failed or stalled (same days: it continues where it stopped), and
    enqueue it after commit. Refused while an import is under way."""
    if actor is not None and not access.can_configure_channels(actor):
        raise PermissionDenied("Only admins import channel history.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"History can be imported for 1 to {MAX_DAYS} days.")
    now = timezone.now()
    with transaction.atomic():
        backfill = ChannelBackfill.objects.select_for_update().filter(channel=channel).first()
        if backfill is not None and backfill.is_active and not backfill.is_stalled(now):
            raise ValidationError("History is already being imported for this channel.")
        resumed = (
            backfill is not None
            and backfill.status != BackfillStatus.DONE
            and backfill.days == days
        )
        if backfill is None:
            backfill = ChannelBackfill(channel=channel)
        if not resumed:
            _reset(backfill, days=days, now=now)
        _requeue(backfill, actor=actor, now=now)
        try:
            with transaction.atomic():
                backfill.save()
        except IntegrityError as exc:  # a second admin started it at the same moment
            raise ValidationError("History is already being imported for this channel.") from exc
        event_record(
            type="channel.backfill_started",
            actor=actor,
            channel=channel,
            data={"days": days, "resumed": resumed, "stored_so_far": backfill.stored},
        )
        channel_id = channel.pk
        task_enqueue_on_commit(BACKFILL_TASK, channel_id)
    return backfill


def _reset(backfill: ChannelBackfill, *, days: int, now: datetime) -> None:
    backfill.days = days
    backfill.since = now - timedelta(days=days)
    backfill.streams = {}
    backfill.pages = backfill.stored = backfill.duplicates = backfill.quarantined = 0
    backfill.oldest_reached = None
    backfill.started_at = now


def _requeue(backfill: ChannelBackfill, *, actor, now: datetime) -> None:
    backfill.status = BackfillStatus.QUEUED
    backfill.error = ""
    backfill.failures = 0
    backfill.run_after = None
    backfill.claim = ""
    backfill.claimed_until = None
    backfill.requested_by = actor
    backfill.updated_at = now
    backfill.finished_at = None


# --- running ----------------------------------------------------------------------------


def channel_backfill_run(*, channel_id: int) -> BackfillRun:
    """Claim the channel's import and read on from where it stopped, storing
    page by page, until it is done, fails, meets a rate limit or uses up its
    slice. Safe to call twice at once: the second finds it claimed."""
    now = timezone.now()
    backfill = ChannelBackfill.objects.filter(channel_id=channel_id).first()
    if backfill is None or not backfill.is_active:
        return BackfillRun(backfill.status if backfill else "none")
    if backfill.run_after and backfill.run_after > now:
        return BackfillRun(backfill.status, retry_at=backfill.run_after)  # came early
    claim = uuid.uuid4().hex
    won = (
        ChannelBackfill.objects.filter(pk=backfill.pk, status__in=ACTIVE)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(
            status=BackfillStatus.RUNNING, claim=claim, claimed_until=now + LEASE, updated_at=now
        )
    )
    if not won:
        return BackfillRun("busy")
    backfill = ChannelBackfill.objects.select_related("channel").get(pk=backfill.pk)
    try:
        return _read(backfill, claim)
    except _ClaimLost:
        log.warning("history import of channel %s was taken over", channel_id)
        return BackfillRun("busy")


def _read(backfill: ChannelBackfill, claim: str) -> BackfillRun:
    channel = backfill.channel
    if not channel.is_active:
        return _fail(backfill, claim, "The channel is paused; resume it, then import again.")
    try:
        client = client_for(channel)
    except CredentialsError as exc:
        return _error(backfill, claim, AuthError(str(exc)))
    if not backfill.streams:
        backfill.streams = _plan(client, backfill)
    since = {name: datetime.fromisoformat(s["since"]) for name, s in backfill.streams.items()}
    resume = {name: {**s["position"], "done": s["done"]} for name, s in backfill.streams.items()}
    deadline = time.monotonic() + SLICE.total_seconds()
    pages = client.backfill(since=since, resume=resume)
    try:
        for page in pages:
            _store_page(backfill, claim, page)
            # A stream that resumes from the top (no position) is never cut
            # mid-way, or a long one could restart for ever.
            if (
                time.monotonic() > deadline
                and (page.done or page.position)
                and not all(s["done"] for s in backfill.streams.values())
            ):
                return _hand_over(backfill, claim)
    except NetworkError as exc:
        return _error(backfill, claim, exc)
    except DatabaseError as exc:
        # A locked SQLite file or a Postgres deadlock with a concurrent poll:
        # the page was rolled back whole; no beat re-dispatches an import, so
        # retry it like a network hiccup rather than leave it to stall.
        log.warning("history import of channel %s: database error %s", channel.pk, exc)
        return _error(backfill, claim, TransientError(f"the database was busy ({exc})"))
    finally:
        pages.close()
    return _finish(backfill, claim)


def _plan(client: NetworkClient, backfill: ChannelBackfill) -> dict[str, dict[str, Any]]:
    """Each stream's own start: the days asked for, or fewer where the
    network keeps less (said in a note for the admin)."""
    plan = {}
    for name, reach in client.backfill_reach.items():
        days, since, note = backfill.days, backfill.since, ""
        if reach is not None and reach < backfill.days:
            days, since = reach, backfill.started_at - timedelta(days=reach)
            note = client.backfill_notes.get(name, f"the network serves {reach} days")
        plan[name] = {
            "days": days,
            "since": since.isoformat(),
            "note": note,
            "position": {},
            "done": False,
        }
    return plan


def _store_page(backfill: ChannelBackfill, claim: str, page: BackfillPage) -> None:
    """Store one page and the progress it made in one transaction, if the
    import is still ours (else nothing of it is kept: the new owner reads it)."""
    channel = backfill.channel
    offered = items_without_own_echoes(channel, page.items)
    now = timezone.now()
    stream = backfill.streams[page.stream]
    stream.update(position=page.position, done=page.done)
    oldest = min(filter(None, [backfill.oldest_reached, page.oldest]), default=None)
    with transaction.atomic():
        result = messages_ingest(
            channel=channel, items=offered, unparseable=page.unparseable, source="backfill"
        )
        distinct = len({i.external_id for i in offered})
        counted = 1 if (page.items or page.unparseable) else 0
        kept = ChannelBackfill.objects.filter(pk=backfill.pk, claim=claim).update(
            streams=backfill.streams,
            pages=F("pages") + counted,
            stored=F("stored") + result.stored,
            duplicates=F("duplicates") + (distinct - result.stored),
            quarantined=F("quarantined") + result.quarantined,
            oldest_reached=oldest,
            failures=0,
            error="",
            claimed_until=now + LEASE,
            updated_at=now,
        )
        if not kept:
            raise _ClaimLost
    backfill.oldest_reached = oldest
    backfill.pages += counted
    backfill.stored += result.stored
    backfill.duplicates += distinct - result.stored
    backfill.quarantined += result.quarantined


def _hand_over(backfill: ChannelBackfill, claim: str) -> BackfillRun:
    now = timezone.now()
    _release(backfill, claim, status=BackfillStatus.QUEUED, run_after=now)
    return BackfillRun(BackfillStatus.QUEUED, retry_at=now)


def _release(backfill: ChannelBackfill, claim: str, **fields: Any) -> None:
    kept = ChannelBackfill.objects.filter(pk=backfill.pk, claim=claim).update(
        claim="", claimed_until=None, updated_at=timezone.now(), **fields
    )
    if not kept:
        raise _ClaimLost


def _finish(backfill: ChannelBackfill, claim: str) -> BackfillRun:
    with transaction.atomic():
        _release(backfill, claim, status=BackfillStatus.DONE, finished_at=timezone.now())
        event_record(
            type="channel.backfill_finished",
            channel=backfill.channel,
            data={
                "days": backfill.days,
                "pages": backfill.pages,
                "stored": backfill.stored,
                "duplicates": backfill.duplicates,
                "quarantined": backfill.quarantined,
                "oldest": backfill.oldest_reached.isoformat() if backfill.oldest_reached else None,
            },
        )
    return BackfillRun(BackfillStatus.DONE)


def _error(backfill: ChannelBackfill, claim: str, error: NetworkError) -> BackfillRun:
    """A rate limit waits for its reset; another transient error retries with
    backoff a few times; a permanent one (revoked token) fails the import."""
    now = timezone.now()
    text = str(error)[:2000]
    if isinstance(error, RateLimited):
        until = error.retry_at or now + _backoff(backfill.failures + 1)
        _release(backfill, claim, status=BackfillStatus.WAITING, run_after=until, error=text)
        return BackfillRun(BackfillStatus.WAITING, retry_at=until)
    failures = backfill.failures + 1
    if isinstance(error, PermanentError) or failures >= MAX_TRANSIENT_FAILURES:
        return _fail(backfill, claim, text)
    until = now + _backoff(failures)
    _release(
        backfill,
        claim,
        status=BackfillStatus.QUEUED,
        run_after=until,
        error=text,
        failures=failures,
    )
    return BackfillRun(BackfillStatus.QUEUED, retry_at=until)


def _fail(backfill: ChannelBackfill, claim: str, reason: str) -> BackfillRun:
    log.warning("history import of channel %s failed: %s", backfill.channel_id, reason)
    with transaction.atomic():
        _release(
            backfill,
            claim,
            status=BackfillStatus.FAILED,
            error=reason,
            finished_at=timezone.now(),
        )
        event_record(
            type="channel.backfill_failed",
            channel=backfill.channel,
            data={"error": reason[:500], "stored": backfill.stored, "pages": backfill.pages},
        )
    return BackfillRun(BackfillStatus.FAILED)


def _backoff(failures: int) -> timedelta:
    return min(timedelta(seconds=15 * 2 ** min(failures, 10)), MAX_BACKOFF)
