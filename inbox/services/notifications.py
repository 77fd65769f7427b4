"""Internal notes with @mentions, and the in-app notifications they create."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from inbox.models import Conversation, Note, Notification
from inbox.services import actions
from socialdesk.text import isolated

# @ preceded by start or a non-word character, so "jo@example.org" is no mention.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.+-]{1,150})")


@dataclass(frozen=True)
class NoteResult:
    note: Note
    notified: list[User]
    # Mentioned people who do not cover the channel: not told about a
    # conversation they may not read, and the author is told so.
    not_notified: list[User]


def mentions_find(text: str) -> list[User]:
    """The active people @mentioned in the text (usernames, any case)."""
    names = sorted({m.rstrip(".").lower() for m in MENTION.findall(text)})[:20]
    if not names:
        return []
    wanted = Q()
    for name in names:
        wanted |= Q(username__iexact=name)
    return list(User.objects.filter(wanted, is_active=True).order_by("username"))


def note_create(*, conversation: Conversation, actor: User, text: str) -> NoteResult:
    """Add an internal note (one ``note.added`` event) and notify each
    mentioned colleague who may see the conversation, once."""
    mentioned = [u for u in mentions_find(text) if u.pk != actor.pk]
    with transaction.atomic():
        note = actions.note_add(conversation=conversation, actor=actor, text=text)
        allowed = [u for u in mentioned if access.can_act_on(u, conversation)]
        refused = [u for u in mentioned if u not in allowed]
        url = reverse("inbox:conversation", args=[conversation.pk])
        Notification.objects.bulk_create(
            [
                Notification(
                    user=user,
                    text=f"{isolated(actor)} mentioned you in a note on {isolated(conversation)}"[
                        :300
                    ],
                    url=url,
                    dedupe_key=f"note:{note.pk}:mention",
                )
                for user in allowed
            ],
            ignore_conflicts=True,
        )
    return NoteResult(note=note, notified=allowed, not_notified=refused)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all, or the given ones)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
