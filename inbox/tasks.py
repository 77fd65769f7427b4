"""Thin Celery tasks: take ids, call one service, own the retry policy."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from inbox.services import assignment_notice, contact_profiles, outbound, polling, triage

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def dispatch_polls() -> int:
    """Beat runs this every few seconds: claim due channels, enqueue their polls."""
    claimed = polling.channels_claim_due()
    for channel_id in claimed:
        poll_channel.delay(channel_id)
    return len(claimed)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def poll_channel(channel_id: int) -> None:
    # Failures are recorded on the channel and rescheduled by the dispatcher,
    # so this task never retries itself (and never sleeps on a rate limit).
    polling.channel_poll(channel_id=channel_id)


@shared_task(bind=True, ignore_result=True, max_retries=None, soft_time_limit=120, time_limit=150)
def deliver_message(self, message_id: int) -> str:
    result = outbound.message_deliver(message_id=message_id)
    # "waiting" (another task holds the retry for a rate limit or backoff) ends
    # here: retrying it too is how retries used to pile up behind a 429.
    if result.state in ("retry", "busy"):
        raise self.retry(countdown=_countdown(result.retry_at))
    return result.state


@shared_task(bind=True, ignore_result=True, max_retries=None, soft_time_limit=120, time_limit=150)
def perform_action(self, action_id: int) -> str:
    result = outbound.action_perform(action_id=action_id)
    if result.state == "retry":
        raise self.retry(countdown=_countdown(result.retry_at))
    return result.state


def _countdown(retry_at) -> float:
    if retry_at is None:
        return 5.0
    # Just after the row's not_before, so the claim finds it due.
    return max(1.0, (retry_at - timezone.now()).total_seconds() + 0.5)


@shared_task(ignore_result=True)
def sweep_outbound() -> None:
    """Safety net: re-enqueue sends whose task was lost or whose sender died
    (never one still waiting for a rate limit or backoff: see outbound_stuck)."""
    messages, actions = outbound.outbound_stuck()
    for message_id in messages:
        deliver_message.delay(message_id)
    for action_id in actions:
        perform_action.delay(action_id)


# --- Webhooks (issue 4) ---------------------------------------------------------------

# Drain at most this many batches per task run, so one task never hogs a worker.
WEBHOOK_DRAIN_BATCHES = 20


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def process_webhook_deliveries() -> int:
    """Store pending webhook deliveries, a batch at a time. Accepted deliveries
    ask for this while no run is queued (``webhook_processing_wake``); a run
    takes the whole backlog, up to a cap, and asks for the next if more wait."""
    from django.conf import settings

    from inbox.webhooks.services import (
        webhook_deliveries_process,
        webhook_processing_started,
        webhook_processing_wake,
    )

    webhook_processing_started()
    total = 0
    for _ in range(WEBHOOK_DRAIN_BATCHES):
        result = webhook_deliveries_process()
        total += result.claimed
        if result.claimed < settings.WEBHOOK_BATCH_SIZE:
            return total
    webhook_processing_wake()  # the cap, not the end of the backlog
    return total


@shared_task(ignore_result=True)
def sweep_webhook_deliveries() -> None:
    """Safety net: deliveries accepted while no worker ran (or whose task was
    lost in a broker restart) are processed here."""
    from inbox.webhooks.services import webhook_deliveries_prune, webhook_deliveries_stuck

    if webhook_deliveries_stuck():
        process_webhook_deliveries.delay()
    webhook_deliveries_prune()


# --- Triage (issue 17): snoozes and assignment e-mails ---------------------------------


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def wake_snoozed() -> int:
    """Beat runs this every half minute: snoozed conversations whose time has
    come go back to the open views."""
    return triage.conversations_wake_due()


@shared_task(bind=True, ignore_result=True, max_retries=5, soft_time_limit=30, time_limit=45)
def send_assignment_email(self, notification_id: int) -> bool:
    try:
        return assignment_notice.assignment_email_send(notification_id=notification_id)
    except OSError as exc:  # smtplib's errors: the mail server may be back soon
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def fill_contact_profiles(channel_id: int, external_ids: list[str]) -> int:
    # Best effort: a person left unnamed is named by the channel's next poll.
    return contact_profiles.contact_profiles_fill(channel_id=channel_id, external_ids=external_ids)
