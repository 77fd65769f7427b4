"""Blocking a contact: a person decides, gives a reason, and it is logged."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import access
from accounts.models import User
from events.services import event_record
from inbox.models import Contact, Conversation

MAX_REASON = 1000


def contact_block(
    *, contact: Contact, actor: User, reason: str, conversation: Conversation
) -> Contact:
    """Block a citizen in SocialDesk (flagged everywhere they appear), with the
    reason kept for the audit trail. ``conversation`` is where the officer
    acted from; they must be allowed to act on it."""
    access.ensure_can_act(actor, conversation)
    if conversation.contact_id != contact.pk:
        raise ValidationError("That contact is not part of this conversation.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give a reason for blocking this contact.")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"A reason can be at most {MAX_REASON:,} characters.")
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.blocked:
            raise ValidationError(f"{locked} is already blocked.")
        locked.blocked = True
        locked.blocked_reason = reason
        locked.save(update_fields=["blocked", "blocked_reason", "updated_at"])
        event_record(
            type="contact.blocked",
            actor=actor,
            conversation=conversation,
            data={"contact_id": locked.pk, "reason": reason},
        )
    return locked


def contact_unblock(*, contact: Contact, actor: User, conversation: Conversation) -> Contact:
    access.ensure_can_act(actor, conversation)
    if conversation.contact_id != contact.pk:
        raise ValidationError("That contact is not part of this conversation.")
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if not locked.blocked:
            return locked
        previous = locked.blocked_reason
        locked.blocked = False
        locked.blocked_reason = ""
        locked.save(update_fields=["blocked", "blocked_reason", "updated_at"])
        event_record(
            type="contact.unblocked",
            actor=actor,
            conversation=conversation,
            data={"contact_id": locked.pk, "previous_reason": previous},
        )
    return locked
