"""Reads for clearing detractor flags: the flagged people on the channels a
manager's teams cover (admins: everyone), with when each was flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404

from accounts import access
from accounts.models import User
from events.models import Event
from inbox.models import Contact, Conversation

LIST_LIMIT = 500


@dataclass(frozen=True)
class DetractorRow:
    contact: Contact
    flagged_at: datetime | None
    messages_since_staff_reply: int | None


def _contacts_for(user: User):
    contacts = Contact.objects.all()
    if not access.is_admin(user):
        managed = access.channels_managed_by(user).values("pk")
        contacts = contacts.filter(
            pk__in=Conversation.objects.filter(channel__in=managed).values("contact_id")
        )
    return contacts


def detractors_for(*, user: User) -> list[DetractorRow]:
    if not access.managed_team_ids(user):
        return []
    contacts = list(_contacts_for(user).filter(is_detractor=True).order_by("handle")[:LIST_LIMIT])
    flagged: dict[int, tuple[datetime, int | None]] = {}
    events = Event.objects.filter(
        type="contact.detractor_flagged", data__contact_id__in=[c.pk for c in contacts]
    ).values_list("data", "at")
    for data, at in events:
        key = data.get("contact_id")
        if key is not None and (key not in flagged or at > flagged[key][0]):
            flagged[key] = (at, data.get("messages_since_staff_reply"))
    return [
        DetractorRow(
            contact=c,
            flagged_at=flagged.get(c.pk, (None, None))[0],
            messages_since_staff_reply=flagged.get(c.pk, (None, None))[1],
        )
        for c in contacts
    ]


def detractor_get_for_user(*, user: User, pk: int) -> Contact:
    """A contact who wrote on a channel this manager's teams cover (admins:
    anyone); anyone else is a 404."""
    contact = _contacts_for(user).filter(pk=pk).first() if access.managed_team_ids(user) else None
    if contact is None:
        raise Http404("Nobody by that number on your teams' channels.")
    return contact
