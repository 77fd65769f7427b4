"""The abusive-content shield: text matching an admin-kept word list stays
hidden until an officer chooses to reveal it, and every reveal is logged.

Shielded text is withheld from the page (not blurred with CSS), so a screen
reader does not read it out either and a reveal is always a deliberate,
logged act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from accounts import access
from accounts.models import User
from events.models import Event
from events.services import event_record
from inbox.models import AbuseTerm, Conversation, Message


@dataclass(frozen=True)
class Shield:
    """A compiled word list. One query builds it; matching is in memory."""

    pattern: re.Pattern[str] | None

    def matches(self, text: str) -> bool:
        return bool(self.pattern and text and self.pattern.search(text))


def message_shield_matches(shield: Shield, message: Message, media=None) -> bool:
    """Whether the shield covers an inbound message: by its words, or by the
    alt text of its pictures (``media`` when the caller has them, else
    ``message.media``, prefetched by the thread's selectors)."""
    if message.direction != "in":
        return False
    pictures = message.media.all() if media is None else media
    return shield.matches(message.text) or any(shield.matches(m.alt_text) for m in pictures)


def shield_load() -> Shield:
    # Plain SQL: every list poll asks, and the ORM's own cost was most of it.
    table = connection.ops.quote_name(AbuseTerm._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term FROM {table} ORDER BY term")  # noqa: S608 - a table name
        return _shield_for(tuple(term for (term,) in cursor.fetchall()))


def shield_of(conversation: Conversation) -> Shield:
    """The shield for a conversation's view: from the terms read with it
    (``selectors.conversation_get_for_view``), or read now."""
    rows = getattr(conversation, "abuse_term_rows", None)
    if rows is None:
        return shield_load()
    return _shield_for(tuple(sorted(str(row.get("term") or "") for row in rows)))


@lru_cache(maxsize=8)
def _shield_for(terms: tuple[str, ...]) -> Shield:
    # Cached by the list itself, so an admin's change applies on the next
    # request while the regex is compiled once, not on every list poll.
    kept = [t for t in terms if t.strip()]
    if not kept:
        return Shield(pattern=None)
    # Longest first so a phrase wins over a word it contains; \b on both sides
    # so "ass" does not shield "class" (the Scunthorpe problem).
    alternatives = "|".join(re.escape(t.strip()) for t in sorted(kept, key=len, reverse=True))
    return Shield(pattern=re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE))


def message_reveal(*, message: Message, actor: User) -> Event:
    """Record that ``actor`` chose to read a shielded message."""
    access.ensure_can_act(actor, message.conversation)
    with transaction.atomic():
        return event_record(
            type="message.revealed",
            actor=actor,
            conversation=message.conversation,
            message=message,
            data={"message_id": message.pk},
        )


def abuse_term_add(*, term: str, actor: User) -> AbuseTerm:
    if not access.is_admin(actor):
        raise PermissionDenied("Only admins can change the abuse word list.")
    term = " ".join(term.split()).lower()
    if not term:
        raise ValidationError("Enter a word or phrase.")
    if len(term) > 100:
        raise ValidationError("A term can be at most 100 characters.")
    try:
        with transaction.atomic():
            created = AbuseTerm.objects.create(term=term, created_by=actor)
            event_record(type="shield.term_added", actor=actor, data={"term": term})
    except IntegrityError as exc:
        raise ValidationError(f"“{term}” is already on the list.") from exc
    return created


def abuse_term_remove(*, term: AbuseTerm, actor: User) -> None:
    if not access.is_admin(actor):
        raise PermissionDenied("Only admins can change the abuse word list.")
    with transaction.atomic():
        event_record(type="shield.term_removed", actor=actor, data={"term": term.term})
        term.delete()
