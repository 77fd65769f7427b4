"""Thin Celery tasks for the KPIs: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from kpis import own_posts, rollups, services


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def refresh_rollups() -> int:
    """Beat runs this every minute: recompute the days new events touched."""
    return rollups.rollups_refresh()


@shared_task(ignore_result=True, soft_time_limit=3300, time_limit=3600)
def run_recompute(job_id: int) -> str:
    # A long rebuild: its own time limit; progress is written as it goes.
    return services.recompute_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def dispatch_metrics_fetch() -> int:
    """Beat runs this hourly: one fetch task per connected channel."""
    channel_ids = services.channels_for_metrics()
    for channel_id in channel_ids:
        fetch_channel_metrics.delay(channel_id)
    return len(channel_ids)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def fetch_channel_metrics(channel_id: int) -> None:
    # No retry: the next hourly fetch is the retry, and snapshots are dated.
    services.channel_metrics_fetch_by_id(channel_id=channel_id)


@shared_task(ignore_result=True)
def dispatch_own_posts_read() -> int:
    """Beat runs this every 15 minutes: one read of own posts per connected channel."""
    channel_ids = own_posts.channels_for_own_posts()
    for channel_id in channel_ids:
        read_own_posts.delay(channel_id)
    return len(channel_ids)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def read_own_posts(channel_id: int) -> None:
    # No retry: the next scheduled read is the retry; the write is an upsert.
    own_posts.own_posts_read_by_id(channel_id=channel_id)


@shared_task(bind=True, ignore_result=True, max_retries=6, soft_time_limit=600, time_limit=660)
def send_weekly_summaries(self) -> int:
    run = services.weekly_summaries_send()
    if run.failed:
        # Failed claims go stale after 15 minutes; the retry sends those only.
        raise self.retry(countdown=20 * 60)
    return run.sent
