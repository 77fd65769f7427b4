"""Reads of the event log for the audit page, scoped by the access rule."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from accounts import access
from accounts.models import Membership, User
from events.models import Event


def people_for_auditor(*, user: User) -> QuerySet[User]:
    """The people whose actions ``events_for_auditor`` shows: everyone for an
    admin, the people of the teams they manage or audit otherwise."""
    if access.is_admin(user):
        return User.objects.all()
    teams = access.overseen_team_ids(user)
    return User.objects.filter(
        pk__in=Membership.objects.filter(team_id__in=teams).values("user_id")
    )


def events_for_auditor(
    *,
    user: User,
    person: User | None = None,
    channel_id: int | None = None,
    type_prefix: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Event]:
    """Admins see the whole log. Managers and viewers (auditors) see what
    happened on the channels of the teams they manage or audit, and what those
    teams' people did; a team where they are an officer adds nothing. Others
    see nothing."""
    if access.is_admin(user):
        qs = Event.objects.all()
    elif teams := access.overseen_team_ids(user):
        people = Membership.objects.filter(team_id__in=teams).values("user_id")
        qs = Event.objects.filter(
            Q(channel__in=access.channels_overseen_by(user).values("pk")) | Q(actor__in=people)
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
