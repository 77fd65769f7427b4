"""The Celery tasks the inbox services enqueue (``inbox.tasks``), by name:
services never import a tasks module (``socialdesk.tasking``)."""

from __future__ import annotations

DELIVER_TASK = "inbox.tasks.deliver_message"
ACTION_TASK = "inbox.tasks.perform_action"
