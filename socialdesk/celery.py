"""The Celery app. Tasks live in each app's tasks.py; the beat schedule is in code."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdesk.settings")

app = Celery("socialdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

DISPATCH_EVERY = float(os.environ.get("POLL_DISPATCH_SECONDS", "5"))

app.conf.beat_schedule = {
    "dispatch-polls": {"task": "inbox.tasks.dispatch_polls", "schedule": DISPATCH_EVERY},
    "sweep-outbound": {"task": "inbox.tasks.sweep_outbound", "schedule": 30.0},
}
