"""Inbox data for UI tests, stored through the real ingest service."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from inbox.models import Conversation
from inbox.networks.base import Author, InboundItem
from inbox.services.ingest import messages_ingest

_ids = itertools.count(1)


def citizen(n: int, *, name: str | None = None, handle: str | None = None) -> Author:
    return Author(
        external_id=str(500_000 + n),
        handle=handle or f"citizen{n}",
        display_name=name or f"Citizen {n}",
        followers_count=10 * n,
    )


def mention_item(
    *,
    author: Author,
    text: str = "@council_help my bin was not collected",
    thread: str | None = None,
    minutes_ago: float = 1,
    network: str = "x",
    kind: str = "mention",
    conversation_kind: str = "public",
) -> InboundItem:
    ext = str(1_795_000_000_000_000_000 + next(_ids))
    root = thread or ext
    return InboundItem(
        network=network,
        external_id=ext,
        kind=kind,
        conversation_kind=conversation_kind,
        thread_key=f"tw:{root}:{author.external_id}",
        contact=author,
        text=text,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def conversation_with(
    channel, *, author: Author | None = None, messages: int = 1, text: str | None = None
) -> Conversation:
    """One public thread with ``messages`` inbound messages from one citizen."""
    author = author or citizen(next(_ids))
    thread = f"root{next(_ids)}"
    items = [
        mention_item(
            author=author,
            thread=thread,
            minutes_ago=messages - i,
            text=text or f"@council_help message {i} about Elm Road",
        )
        for i in range(messages)
    ]
    messages_ingest(channel=channel, items=items)
    return Conversation.objects.get(channel=channel, thread_key=f"tw:{thread}:{author.external_id}")
