"""Small helpers for changing conversations in bulk from the evaluation pass."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from events.models import Event
from inbox.models import Conversation


def lock_conversations(conv_ids: list[int]) -> None:
    """Lock rows in pk order (ingest's order) before updating them, so the
    pass and an ingest batch cannot deadlock. Call inside a transaction."""
    list(
        Conversation.objects.select_for_update()
        .filter(pk__in=conv_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def change_event(event_type: str, conv: Mapping[str, Any], now: datetime, data: dict) -> Event:
    """An unsaved system Event about ``conv`` (a dict with pk and channel_id)."""
    return Event(
        type=event_type,
        at=now,
        channel_id=conv["channel_id"],
        conversation_id=conv["pk"],
        data=data,
    )
