"""Collision detection: who has a conversation open or is typing a reply,
what each person has read, and replies that landed while you were writing.

Presence is a heartbeat, not an action: it writes no Event (it would flood the
audit log with page views). Both writes are single-statement upserts so the
heartbeat costs one query.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from accounts.models import User
from inbox.models import Conversation, ConversationRead, Direction, Message, Presence


def presence_touch(*, user: User, conversation: Conversation, typing: bool = False) -> None:
    """Say that ``user`` has the conversation open (and is typing, if so).
    The caller has already checked that the user may see it."""
    now = timezone.now()
    fields = ["seen_at", "typing_at"] if typing else ["seen_at"]
    Presence.objects.bulk_create(
        [
            Presence(
                user=user, conversation=conversation, seen_at=now, typing_at=now if typing else None
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "conversation"],
        update_fields=fields,
    )


def presence_leave(*, user: User, conversation: Conversation) -> None:
    Presence.objects.filter(user=user, conversation=conversation).delete()


def conversation_opened(*, user: User, conversation: Conversation) -> None:
    """``user`` opened the conversation: it is read, and they are here. One
    transaction for both upserts (one BEGIN and COMMIT, not two)."""
    with transaction.atomic():
        conversation_mark_read(user=user, conversation=conversation)
        presence_touch(user=user, conversation=conversation)


def conversation_mark_read(*, user: User, conversation: Conversation) -> None:
    ConversationRead.objects.bulk_create(
        [ConversationRead(user=user, conversation=conversation, read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "conversation"],
        update_fields=["read_at"],
    )


def latest_outbound_id(*, conversation: Conversation) -> int:
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.OUT)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def replies_since(*, conversation: Conversation, actor: User, after_id: int) -> QuerySet[Message]:
    """Replies a colleague queued or sent after the officer opened the
    conversation (``after_id`` is the newest outbound id they had seen)."""
    access.ensure_can_act(actor, conversation)
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.OUT, pk__gt=after_id)
        .exclude(author_user=actor)
        .exclude(is_automated=True)
        .select_related("author_user")
        .order_by("pk")
    )
