"""Reads for the retention and legal-hold settings, through the access rule:
a manager sees the channels their teams cover and the holds on them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import access
from accounts.models import User
from inbox.models import Channel, Contact, Conversation
from records.models import LegalHold, RetentionPolicy


@dataclass(frozen=True)
class RetentionRow:
    channel: Channel
    keep_days: int | None  # None: kept for ever

    @property
    def keep_years(self) -> float | None:
        return None if self.keep_days is None else round(self.keep_days / 365, 1)


def retention_rows_for(*, user: User) -> list[RetentionRow]:
    channels = list(access.channels_managed_by(user).order_by("name"))
    policies = dict(
        RetentionPolicy.objects.filter(channel__in=channels).values_list("channel_id", "keep_days")
    )
    return [RetentionRow(channel=c, keep_days=policies.get(c.pk)) for c in channels]


def retention_row_get_for_user(*, user: User, pk: int) -> RetentionRow:
    channel = access.channels_managed_by(user).filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel among those your teams cover.")
    policy = RetentionPolicy.objects.filter(channel=channel).first()
    return RetentionRow(channel=channel, keep_days=policy.keep_days if policy else None)


def legal_holds_for(*, user: User, active_only: bool = True) -> QuerySet[LegalHold]:
    holds = LegalHold.objects.select_related(
        "contact", "conversation__channel", "created_by"
    ).order_by("-created_at")
    if active_only:
        holds = holds.filter(released_at__isnull=True)
    if access.is_admin(user):
        return holds
    if not access.managed_team_ids(user):
        return holds.none()
    managed = access.channels_managed_by(user).values("pk")
    contacts = Conversation.objects.filter(channel__in=managed).values("contact_id")
    return holds.filter(Q(conversation__channel__in=managed) | Q(contact__in=contacts))


def legal_hold_get_for_user(*, user: User, pk: int) -> LegalHold:
    hold = legal_holds_for(user=user, active_only=False).filter(pk=pk).first()
    if hold is None:
        raise Http404("No such legal hold on your teams' channels.")
    return hold


def hold_conversation_find(*, user: User, pk: int) -> Conversation | None:
    """A conversation on a channel this person manages, or None."""
    return (
        Conversation.objects.filter(
            pk=pk, channel__in=access.channels_managed_by(user).values("pk")
        )
        .select_related("channel", "contact")
        .first()
    )


def hold_contact_find(*, user: User, network: str, handle: str) -> Contact | None:
    """A person by handle who wrote on a channel this person manages, or None."""
    managed = access.channels_managed_by(user).values("pk")
    return (
        Contact.objects.filter(network=network, handle__iexact=handle.strip().lstrip("@"))
        .filter(pk__in=Conversation.objects.filter(channel__in=managed).values("contact_id"))
        .first()
    )


def export_contact_find(*, user: User, handle: str) -> Contact | None:
    """A person by handle, on any network, who wrote on a channel this person
    manages, or None: a manager of team A learns nothing of who wrote only to
    team B (the export would hold nothing of theirs anyway)."""
    managed = access.channels_managed_by(user).values("pk")
    return (
        Contact.objects.filter(handle__iexact=handle.strip().lstrip("@"))
        .filter(pk__in=Conversation.objects.filter(channel__in=managed).values("contact_id"))
        .order_by("pk")
        .first()
    )
