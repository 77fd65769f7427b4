"""Heartbeats written by beat and the workers, read by the readiness check."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ops.models import Heartbeat

BEAT = "beat"
WORKER = "worker"


def heartbeat_record(*, name: str, detail: str = "", now: datetime | None = None) -> None:
    """Upsert one row; a single statement, so two workers racing both succeed."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": now or timezone.now(), "detail": detail[:200]}
    )


def heartbeats_get() -> dict[str, Heartbeat]:
    return {beat.name: beat for beat in Heartbeat.objects.all()}
