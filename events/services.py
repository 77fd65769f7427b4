"""Writing to the append-only event log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from events.context import current_ip
from events.models import Event


def event_record(
    *,
    type: str,
    actor=None,
    conversation=None,
    message=None,
    channel=None,
    data: dict[str, Any] | None = None,
    at=None,
) -> Event:
    """Append one event. Call it inside the transaction that makes the change."""
    if channel is None and conversation is not None:
        channel = conversation.channel_id
    data = dict(data or {})
    ip = current_ip()
    if ip and "ip" not in data:
        data["ip"] = ip  # who acted from where (ASVS 16.2.1); absent for system work
    if "target" not in data:
        # What it was done to, in one searchable field of the audit log.
        target = (
            (message is not None and f"message:{message.pk}")
            or (conversation is not None and f"conversation:{conversation.pk}")
            or (channel is not None and f"channel:{getattr(channel, 'pk', channel)}")
        )
        if target:
            data["target"] = target
    return Event.objects.create(
        type=type,
        at=at or timezone.now(),
        actor=actor,
        conversation=conversation,
        message=message,
        channel_id=channel if isinstance(channel, int) else getattr(channel, "pk", None),
        data=data,
    )


def events_record_bulk(*, events: Iterable[Event], batch_size: int | None = None) -> list[Event]:
    """Append many events built by the caller (system work: a rule pass, a
    target sweep) in one INSERT. Call it inside the transaction that makes the
    changes; unlike ``event_record`` it adds no client address, since no
    person acted."""
    return Event.objects.bulk_create(list(events), batch_size=batch_size)
