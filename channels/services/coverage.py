"""Which teams cover which channels: the relation every access decision reads
(accounts.access.role_for_channel). Admins only, like connecting a channel."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import access
from accounts.models import Team, User
from events.services import event_record
from inbox.models import Channel


def team_channels_set(*, actor: User, team: Team, channels: Iterable[Channel]) -> list[Channel]:
    """Make ``team`` cover exactly ``channels``. One ``channel.coverage_changed``
    event per channel gained or lost, on that channel, so each channel's audit
    trail shows who started or stopped seeing it. Returns the channels changed."""
    if not access.can_configure_channels(actor):
        raise PermissionDenied("Only admins choose which channels a team covers.")
    wanted = {c.pk: c for c in channels}
    with transaction.atomic():
        current = set(team.channels.values_list("pk", flat=True))
        added = [wanted[pk] for pk in sorted(wanted.keys() - current)]
        removed = list(Channel.objects.filter(pk__in=current - wanted.keys()).order_by("pk"))
        if added:
            team.channels.add(*added)
        if removed:
            team.channels.remove(*removed)
        for channel, change in [(c, "added") for c in added] + [(c, "removed") for c in removed]:
            event_record(
                type="channel.coverage_changed",
                actor=actor,
                channel=channel,
                data={"team": team.name, "team_id": team.pk, "change": change},
            )
    return added + removed
