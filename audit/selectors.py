"""Reads of the event log for the audit page, scoped by the access rule."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from accounts import access
from accounts.models import Membership, User
from events.models import Event


def events_for_auditor(
    *,
    user: User,
    person: User | None = None,
    channel_id: int | None = None,
    type_prefix: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Event]:
    """Admins see the whole log. Managers see what happened on their teams'
    channels and what their teams' people did. Others see nothing."""
    if access.is_admin(user):
        qs = Event.objects.all()
    elif access.is_manager_or_admin(user):
        teams = Membership.objects.filter(user=user).values("team_id")
        people = Membership.objects.filter(team_id__in=teams).values("user_id")
        qs = Event.objects.filter(
            Q(channel__in=access.channels_visible_to(user).values("pk")) | Q(actor__in=people)
        )
    else:
        return Event.objects.none()
    if person is not None:
        qs = qs.filter(actor=person)
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    if type_prefix:
        qs = qs.filter(type__startswith=type_prefix)
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    return qs.select_related("actor", "channel").order_by("-at", "-pk")
