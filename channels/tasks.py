"""Thin Celery tasks for channels: take ids, call one service, own the retry policy."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from channels.services.backfill import BACKFILL_TASK, channel_backfill_run


# Registered under the name it had in inbox/tasks.py: an import reschedules
# itself (retry with a countdown), so a release that renamed it would strand
# every import waiting in the broker at the upgrade.
@shared_task(
    name=BACKFILL_TASK,
    bind=True,
    ignore_result=True,
    max_retries=None,
    soft_time_limit=240,
    time_limit=300,
)
def backfill_channel(self, channel_id: int) -> str:
    """Import a channel's history. The service stores page by page and hands
    back a time to run again (rate-limit reset, backoff, or "now" after a
    slice), so this task reschedules itself and never sleeps in the worker."""
    result = channel_backfill_run(channel_id=channel_id)
    if result.retry_at is not None:
        countdown = max(0.5, (result.retry_at - timezone.now()).total_seconds() + 0.5)
        raise self.retry(countdown=countdown)
    return result.status
