"""Reads of the inbox, always through the access rule."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts import access
from accounts.models import User
from inbox.models import Conversation, Message, Status


def conversation_list(
    *, user: User, status: str | None = None, channel_id: int | None = None
) -> QuerySet[Conversation]:
    """The conversations the user may see, newest activity first."""
    qs = access.conversations_visible_to(user)
    if status == "unresolved":
        qs = qs.exclude(status=Status.RESOLVED)
    elif status:
        qs = qs.filter(status=status)
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    return qs.select_related("channel", "contact", "assignee").order_by("-last_message_at", "-pk")


def conversation_get_for_user(*, user: User, pk: int) -> Conversation:
    """The conversation if the user may see it; 404 otherwise (not 403, so
    ids of other teams' conversations leak nothing)."""
    try:
        return (
            access.conversations_visible_to(user)
            .select_related("channel", "contact", "assignee", "team")
            .get(pk=pk)
        )
    except Conversation.DoesNotExist as exc:
        raise Http404("No such conversation") from exc


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author_user", "author_contact").order_by(
        "sent_at", "pk"
    )
