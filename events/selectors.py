"""Reads of the event log that more than one app needs."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from events.models import Event


def events_of_conversation(
    *, conversation_id: int, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Event]:
    """A conversation's events in log order, with their actors; ``start`` and
    ``end`` bound ``at`` (inclusive, exclusive) when given."""
    qs = Event.objects.filter(conversation_id=conversation_id).select_related("actor")
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    return qs


def message_ids_with_event(*, type: str, actor_id: int, conversation_id: int) -> set[int]:
    """Messages of a conversation this person did ``type`` to (revealed, ...)."""
    return set(
        Event.objects.filter(
            type=type, actor_id=actor_id, conversation_id=conversation_id
        ).values_list("message_id", flat=True)
    )
