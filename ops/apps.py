from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running SocialDesk as a service: health, metrics, logs, restore checks.

    The top layer: it reads every other app and nothing imports it."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Carry the request id into the Celery tasks a request enqueues.
        from ops import request_id

        request_id.connect_celery_signals()
