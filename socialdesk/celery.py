"""The Celery app. Tasks live in each app's tasks.py; the beat schedule is in code."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdesk.settings")

app = Celery("socialdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **_kwargs) -> None:
    """Between tasks, what Django does between requests: close a connection
    past CONN_MAX_AGE or one that raised (a restarted Postgres), and health-
    check the others on their next use (CONN_HEALTH_CHECKS). Celery's own
    close before and after every task is off (CELERY_DB_REUSE_MAX in
    settings). An eager task runs inside its caller's transaction: left alone."""
    from django.db import close_old_connections

    if sender is None or getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


DISPATCH_EVERY = float(os.environ.get("POLL_DISPATCH_SECONDS", "5"))
OWN_POSTS_EVERY = float(os.environ.get("KPI_OWN_POSTS_SECONDS", "900"))

app.conf.beat_schedule = {
    "dispatch-polls": {"task": "inbox.tasks.dispatch_polls", "schedule": DISPATCH_EVERY},
    "sweep-outbound": {"task": "inbox.tasks.sweep_outbound", "schedule": 30.0},
    # Snoozed conversations whose time has come; a late run is skipped, not queued up.
    "wake-snoozed": {
        "task": "inbox.tasks.wake_snoozed",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Seed 000's profile hygiene: verified, DMs open, bio with the hours, picture, banner.
    "escalation-check-profiles": {
        "task": "escalation.tasks.check_profiles",
        "schedule": 6 * 3600.0,
        "options": {"expires": 3600},
    },
    "kpis-refresh-rollups": {"task": "kpis.tasks.refresh_rollups", "schedule": 60.0},
    "kpis-fetch-metrics": {"task": "kpis.tasks.dispatch_metrics_fetch", "schedule": 3600.0},
    # The channels' own posts and their figures (issue 20 point 7); a late run is skipped.
    "kpis-read-own-posts": {
        "task": "kpis.tasks.dispatch_own_posts_read",
        "schedule": OWN_POSTS_EVERY,
        "options": {"expires": OWN_POSTS_EVERY / 2},
    },
    "kpis-weekly-summary": {
        "task": "kpis.tasks.send_weekly_summaries",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "sweep-webhooks": {"task": "inbox.tasks.sweep_webhook_deliveries", "schedule": 30.0},
    "seal-events": {"task": "audit.tasks.seal_events", "schedule": 10.0},
    "apply-retention": {"task": "records.tasks.apply_retention", "schedule": 6 * 3600.0},
    # Response targets, rules, out-of-hours replies; a late run is skipped, not queued up.
    "escalation-evaluate": {
        "task": "escalation.tasks.evaluate",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Proves a worker takes tasks off the broker; read by /health/ready.
    "ops-worker-heartbeat": {
        "task": "ops.tasks.worker_heartbeat",
        "schedule": 15.0,
        "options": {"expires": 30},
    },
}
