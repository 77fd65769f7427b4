"""The contact: blocking (a person decides, gives a reason, and it is logged),
notes about them that colleagues see, and linking identities on several
networks as one person."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import User
from events.services import event_record
from inbox.models import (
    ActionKind,
    Contact,
    ContactNote,
    Conversation,
    Network,
    NetworkAction,
    Person,
)
from inbox.services import outbound

MAX_REASON = 1000
MAX_NOTE = 2000
# Networks where a block in SocialDesk is also done from the channel's account
# (their clients implement ``block``), and those where an unblock is undone there
# too (``unblock``; SocialDesk does not delete Bluesky block records yet). X
# removed its block endpoint; a Facebook Page cannot block from the API.
BLOCK_NETWORKS = frozenset({Network.BLUESKY, Network.MASTODON})
UNBLOCK_NETWORKS = frozenset({Network.MASTODON})


def _network_block_queue(
    *, contact: Contact, actor: User, conversation: Conversation, kind: str, reason: str = ""
) -> None:
    """Queue the block (or unblock) on the network, exactly once like every
    action: the nth block (or unblock) of a person from a channel is round n,
    so blocking again after an unblock is a new action, not the old one."""
    channel = conversation.channel
    networks = BLOCK_NETWORKS if kind == ActionKind.BLOCK else UNBLOCK_NETWORKS
    if channel.network not in networks:
        return
    done = NetworkAction.objects.filter(
        channel=channel, kind=kind, target_external_id=contact.external_id
    ).count()
    outbound.action_create(
        conversation=conversation,
        actor=actor,
        kind=kind,
        target_external_id=contact.external_id,
        reason=reason,
        round=done,
        event_data={"contact_id": contact.pk},
    )


def contact_block(
    *, contact: Contact, actor: User, reason: str, conversation: Conversation
) -> Contact:
    """Block a citizen in SocialDesk (flagged everywhere they appear), with the
    reason kept for the audit trail. ``conversation`` is where the officer
    acted from; they must be allowed to act on it. Where the channel's
    account can block people (``BLOCK_NETWORKS``), the block is also queued
    for the network, done exactly once by ``outbound``."""
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
        _network_block_queue(
            contact=locked,
            actor=actor,
            conversation=conversation,
            kind=ActionKind.BLOCK,
            reason=reason,
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
        _network_block_queue(
            contact=locked, actor=actor, conversation=conversation, kind=ActionKind.UNBLOCK
        )
    return locked


# --- notes about the contact ------------------------------------------------------------


def contact_note_add(*, conversation: Conversation, actor: User, text: str) -> ContactNote:
    """A note about the conversation's contact, for colleagues who meet them
    again (on any conversation of theirs the colleague may see)."""
    access.ensure_can_act(actor, conversation)
    text = text.strip()
    if not text:
        raise ValidationError("A note cannot be empty.")
    if len(text) > MAX_NOTE:
        raise ValidationError(f"A note can be at most {MAX_NOTE:,} characters.")
    with transaction.atomic():
        note = ContactNote.objects.create(
            contact_id=conversation.contact_id, conversation=conversation, author=actor, text=text
        )
        event_record(
            type="contact.note_added",
            actor=actor,
            conversation=conversation,
            data={"contact_id": conversation.contact_id, "note_id": note.pk},
        )
    return note


# --- one person, several identities -----------------------------------------------------


def _ensure_sees_contact(actor: User, contact: Contact) -> None:
    if not access.conversations_visible_to(actor).filter(contact=contact).exists():
        raise PermissionDenied("You have no conversation with that contact on your channels.")


def contact_link(*, conversation: Conversation, other: Contact, actor: User) -> Person:
    """Record that ``other`` is the same person as the conversation's contact.
    Both must be contacts the actor meets on their channels. Linking into a
    contact that is already linked joins the two groups."""
    access.ensure_can_act(actor, conversation)
    _ensure_sees_contact(actor, other)
    if other.pk == conversation.contact_id:
        raise ValidationError("That is this conversation's own contact.")
    with transaction.atomic():
        # Locked in id order, so two links of the same pair cannot deadlock.
        locked = {
            c.pk: c
            for c in Contact.objects.select_for_update()
            .filter(pk__in=[conversation.contact_id, other.pk])
            .order_by("pk")
        }
        here, there = locked[conversation.contact_id], locked[other.pk]
        if here.person_id is not None and here.person_id == there.person_id:
            raise ValidationError(f"{there} is already linked with {here}.")
        person_id = here.person_id or there.person_id
        if person_id is None:
            person_id = Person.objects.create(created_by=actor).pk
        merged = [pid for pid in (here.person_id, there.person_id) if pid and pid != person_id]
        if merged:
            Contact.objects.filter(person_id__in=merged).update(person_id=person_id)
            Person.objects.filter(pk__in=merged).delete()
        Contact.objects.filter(pk__in=[here.pk, there.pk]).update(person_id=person_id)
        event_record(
            type="contact.linked",
            actor=actor,
            conversation=conversation,
            data={"contact_id": here.pk, "other_id": there.pk, "person_id": person_id},
        )
    return Person.objects.get(pk=person_id)


def contact_unlink(*, conversation: Conversation, other: Contact, actor: User) -> None:
    """Take ``other`` out of the conversation's contact's person (it was not
    the same person after all). A group left with one identity is dissolved."""
    access.ensure_can_act(actor, conversation)
    _ensure_sees_contact(actor, other)
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Contact.objects.select_for_update()
            .filter(pk__in=[conversation.contact_id, other.pk])
            .order_by("pk")
        }
        here, other = locked[conversation.contact_id], locked[other.pk]
        person_id = here.person_id
        if person_id is None or other.person_id != person_id:
            raise ValidationError(f"{other} is not linked with {here}.")
        Contact.objects.filter(pk=other.pk).update(person_id=None)
        rest = list(Contact.objects.filter(person_id=person_id).values_list("pk", flat=True))
        if len(rest) < 2:
            Contact.objects.filter(pk__in=rest).update(person_id=None)
            Person.objects.filter(pk=person_id).delete()
        event_record(
            type="contact.unlinked",
            actor=actor,
            conversation=conversation,
            data={"contact_id": here.pk, "other_id": other.pk, "person_id": person_id},
        )
