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
        # Postgres times parsed in C (socialdesk.pg_times).
        from django.db.backends.signals import connection_created

        connection_created.connect(_times_loader, weak=False, dispatch_uid="socialdesk.pg_times")


def _times_loader(sender, connection, **kwargs) -> None:
    from socialdesk import pg_times

    pg_times.register(connection)
