"""Enqueueing Celery tasks from services: after commit, by task name.

Services never import a tasks module (the tasks import the services), so they
name the task instead, and this module finds it in the Celery app. A worker
has every task registered at start; a web process registers the apps' tasks
modules the first time one is asked for.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from celery.app.task import Task
from django.db import transaction

log = logging.getLogger(__name__)


def task_enqueue_on_commit(name: str, *args: Any, best_effort: bool = False) -> None:
    """Send task ``name`` with ``args`` once the current transaction commits
    (at once outside one), so a worker never reads rows that are not there
    yet. ``best_effort``: a broker outage is logged, not raised, for work that
    something else will pick up or that is not worth failing a request for."""
    transaction.on_commit(lambda: task_enqueue(name, *args, best_effort=best_effort))


def task_enqueue(
    name: str, *args: Any, best_effort: bool = False, countdown: float | None = None
) -> None:
    """Send task ``name`` now; ``countdown``: to run that many seconds from now."""
    try:
        task_registered(name).apply_async(args, countdown=countdown)
    except Exception:
        if not best_effort:
            raise
        log.exception("could not enqueue %s", name)


def task_registered(name: str) -> Task:
    app = current_app._get_current_object()
    if name not in app.tasks:
        # Imports every app's tasks module (what autodiscover_tasks promised).
        app.loader.import_default_modules()
    return app.tasks[name]
