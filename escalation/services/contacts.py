"""The detractor policy and blocking.

From the guidance in shared/seeds: "try to help on the first message. If
this person continues to tweet 5 or more times without engaging with your
offer of help, you can block them." So: once staff have replied to a
contact, count the contact's inbound messages since the latest staff reply
(any of their conversations); at 5 the contact is flagged. In the usual
story (a first message, our offer of help, then five more) that is the
sixth message, never earlier. A new staff reply starts the count again.
The flag only informs: a person decides to block or hide, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts import access
from accounts.models import User
from escalation.services._sql import Instant
from events.models import Event
from events.services import event_record
from inbox.models import Contact, Conversation, DeliveryState, Direction, Message

DETRACTOR_THRESHOLD = 5


def _last_staff_reply() -> Subquery:
    # Staff engagement: any outbound reply by a person (not an auto-reply),
    # sent from SocialDesk or seen on the network, in the contact's threads.
    return Subquery(
        Message.objects.filter(
            direction=Direction.OUT,
            is_automated=False,
            state=DeliveryState.SENT,
            conversation__contact=OuterRef("pk"),
        )
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )


def _meeting_policy(ids: set[int]) -> list[tuple[int, int, datetime]]:
    """(contact, inbound since the last staff reply, that reply's time) for
    the unflagged contacts at or over the threshold: one query."""
    since_reply = (
        Message.objects.filter(direction=Direction.IN, author_contact=OuterRef("pk"))
        .alias(sent=Instant("sent_at"))
        .filter(sent__gt=Instant(OuterRef("last_reply")))
        .order_by()
        .values("author_contact")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Contact.objects.filter(pk__in=ids, is_detractor=False)
        .annotate(last_reply=_last_staff_reply())
        .filter(last_reply__isnull=False)
        .annotate(after=Coalesce(Subquery(since_reply, output_field=IntegerField()), 0))
        .filter(after__gte=DETRACTOR_THRESHOLD)
        .values_list("pk", "after", "last_reply")
    )


def _flag(contact_id: int, after: int, last_reply: datetime, now: datetime) -> bool:
    with transaction.atomic():
        if not Contact.objects.filter(pk=contact_id, is_detractor=False).update(is_detractor=True):
            return False
        conv = (
            Conversation.objects.filter(contact_id=contact_id)
            .order_by("-last_message_at")
            .only("pk", "channel_id")
            .first()
        )
        event_record(
            type="contact.detractor_flagged",
            at=now,
            conversation=conv,
            data={
                "target": f"contact:{contact_id}",
                "contact_id": contact_id,
                "messages_since_staff_reply": after,
                "last_staff_reply": last_reply.isoformat(),
            },
        )
    return True


def detractors_flag(*, contact_ids: Iterable[int], now: datetime) -> list[int]:
    """Flag the given contacts that now meet the policy. A fixed number of
    queries for any number of contacts, plus a few per contact flagged;
    flagging is a conditional update, so a concurrent pass cannot flag (or
    log) anyone twice."""
    ids = set(contact_ids)
    if not ids:
        return []
    meeting = _meeting_policy(ids)
    cleared = _last_cleared([pk for pk, _after, _reply in meeting])
    flagged = []
    for contact_id, after, last_reply in meeting:
        if contact_id in cleared and cleared[contact_id] > last_reply:
            # A person cleared the flag since our last reply: count from then.
            after = Message.objects.filter(
                direction=Direction.IN,
                author_contact_id=contact_id,
                sent_at__gt=cleared[contact_id],
            ).count()
            if after < DETRACTOR_THRESHOLD:
                continue
        if _flag(contact_id, after, last_reply, now):
            flagged.append(contact_id)
    return flagged


def _last_cleared(contact_ids: list[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    if not contact_ids:
        return found
    for data, at in Event.objects.filter(
        type="contact.detractor_cleared", data__contact_id__in=contact_ids
    ).values_list("data", "at"):
        key = data.get("contact_id")
        if key is not None and (key not in found or at > found[key]):
            found[key] = at
    return found


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason: it is kept in the audit log.")
    if len(reason) > 1000:
        raise ValidationError("A reason can be at most 1,000 characters.")
    return reason


def _visible_conversation(actor: User, contact: Contact) -> Conversation:
    conv = (
        access.conversations_visible_to(actor)
        .filter(contact=contact)
        .order_by("-last_message_at")
        .first()
    )
    if conv is None:
        raise PermissionDenied("You have no conversation with this contact on your channels.")
    return conv


def contact_block(*, contact: Contact, actor: User, reason: str) -> Contact:
    """A person blocks a contact (after the detractor flag, or for abuse),
    with a required reason, logged as ``contact.blocked``. Acts from the
    actor's most recent visible conversation with the contact and defers
    to the inbox's own block service, so there is one way to block."""
    from inbox.services.contacts import contact_block as inbox_contact_block

    conv = _visible_conversation(actor, contact)
    return inbox_contact_block(
        contact=contact, actor=actor, reason=_clean_reason(reason), conversation=conv
    )


def _managed_conversation(actor: User, contact: Contact) -> Conversation:
    conv = (
        Conversation.objects.filter(
            contact=contact, channel__in=access.channels_managed_by(actor).values("pk")
        )
        .order_by("-last_message_at")
        .first()
    )
    if conv is None:
        raise PermissionDenied(
            "Only admins, and managers of a channel this person wrote on, clear the flag."
        )
    return conv


def contact_detractor_clear(*, contact: Contact, actor: User, reason: str) -> Contact:
    """A manager (of a channel the contact wrote on) or an admin decides the
    flag was wrong: the citizen had a real complaint. Officers see the flag
    but do not clear it: it steers how colleagues treat the person, and the
    guidance in shared/seeds gives officers no say in it. The count starts
    again from now (see ``detractors_flag``)."""
    conv = _managed_conversation(actor, contact)
    reason = _clean_reason(reason)
    with transaction.atomic():
        if Contact.objects.filter(pk=contact.pk, is_detractor=True).update(is_detractor=False):
            event_record(
                type="contact.detractor_cleared",
                actor=actor,
                conversation=conv,
                data={
                    "target": f"contact:{contact.pk}",
                    "contact_id": contact.pk,
                    "reason": reason,
                },
            )
    contact.refresh_from_db()
    return contact
