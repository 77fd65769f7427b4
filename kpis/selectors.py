"""Reads for the KPI dashboards, exports and API, always through the access
rule: managers see the channels their teams cover, admins every channel,
officers only their own figures.

Dashboards read the daily rollups (``kpis.rollups`` keeps them); the same
merge-and-summarise code turns rollup rows or raw-event facts into numbers,
so the two agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from accounts.models import Membership, Team, User
from inbox.models import Channel
from kpis import metrics as m
from kpis.models import ChannelShiftCosts, DailyChannelStats, DailyOfficerStats, RecomputeJob
from kpis.rollups import facts_compute, kpi_zone

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("The end of the period is before its start.")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def each_day(self) -> list[date]:
        return list(m.days_between(self.first, self.last))

    def label(self) -> str:
        return f"{self.first:%-d %b %Y} to {self.last:%-d %b %Y}"


def today_local() -> date:
    return m.local_day(timezone.now(), kpi_zone())


def period_default(*, today: date, days: int = 30) -> Period:
    return Period(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Scope:
    """The channels a dashboard covers, after the access rule and filters."""

    channels: tuple[Channel, ...]
    channel: Channel | None = None
    team: Team | None = None

    @property
    def channel_ids(self) -> list[int]:
        return [c.pk for c in self.channels]

    def describe(self) -> str:
        if self.channel is not None:
            return self.channel.name
        if self.team is not None:
            return f"channels covered by {self.team.name}"
        return "all your channels"


def can_see_team_dashboards(user: User) -> bool:
    """Managers and viewers (auditors) of some team, and admins."""
    return bool(access.overseen_team_ids(user))


def channels_for_dashboards(*, user: User) -> QuerySet[Channel]:
    """The channels of the teams the user manages or audits: a manager of team
    A who is an officer in team B sees no team figures for team B."""
    if not can_see_team_dashboards(user):
        raise PermissionDenied("Team dashboards are for managers, auditors and admins.")
    return access.channels_overseen_by(user).order_by("name")


def teams_for_dashboards(*, user: User) -> QuerySet[Team]:
    if not can_see_team_dashboards(user):
        raise PermissionDenied("Team dashboards are for managers, auditors and admins.")
    return Team.objects.filter(pk__in=access.overseen_team_ids(user)).order_by("name")


def kpi_scope_for(*, user: User, channel: Channel | None = None, team: Team | None = None) -> Scope:
    """The scope a manager or admin asked for. Refuses officers, and any
    channel or team outside what the user may see."""
    visible = list(channels_for_dashboards(user=user))
    visible_ids = {c.pk for c in visible}
    if channel is not None and channel.pk not in visible_ids:
        raise PermissionDenied("You do not cover this channel.")
    if team is not None and not teams_for_dashboards(user=user).filter(pk=team.pk).exists():
        raise PermissionDenied("You are not in this team.")
    chosen = visible
    if team is not None:
        covered = set(team.channels.values_list("pk", flat=True))
        chosen = [c for c in chosen if c.pk in covered]
    if channel is not None:
        chosen = [c for c in chosen if c.pk == channel.pk]
    return Scope(channels=tuple(chosen), channel=channel, team=team)


def recompute_job_get(*, user: User, pk: int) -> RecomputeJob:
    if not access.is_admin(user):
        raise PermissionDenied("Only admins rebuild the figures.")
    return RecomputeJob.objects.get(pk=pk)


# --- facts from rollups ----------------------------------------------------------------


_COUNTS = tuple(n for n in m.CHANNEL_FIELDS if n not in m.TIME_LISTS)


def channel_day_facts(
    *, channel_ids: Sequence[int], period: Period, lists: Sequence[str] = m.TIME_LISTS
) -> list[tuple[date, int, m.ChannelDayFacts]]:
    """Stored (day, channel, facts) for a period, oldest first. ``lists``
    names the time lists to load (the others come back empty)."""
    names = (*_COUNTS, *lists)
    rows = (
        DailyChannelStats.objects.filter(
            channel_id__in=list(channel_ids), day__gte=period.first, day__lte=period.last
        )
        .order_by("day", "channel_id")
        .values_list("day", "channel_id", *names)
    )
    return [(r[0], r[1], m.ChannelDayFacts(**dict(zip(names, r[2:], strict=True)))) for r in rows]


def officer_day_facts(
    *, channel_ids: Sequence[int] | None, period: Period, user_ids: Sequence[int] | None = None
) -> list[tuple[date, int, int, m.OfficerDayFacts]]:
    rows = DailyOfficerStats.objects.filter(day__gte=period.first, day__lte=period.last)
    if channel_ids is not None:
        rows = rows.filter(channel_id__in=list(channel_ids))
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return [
        (r[0], r[1], r[2], m.OfficerDayFacts(*r[3:]))
        for r in rows.order_by("day", "channel_id", "user_id").values_list(
            "day", "channel_id", "user_id", *m.OFFICER_FIELDS
        )
    ]


def summary_from_rollups(
    *, channel_ids: Sequence[int], period: Period, lists: Sequence[str] = m.TIME_LISTS
) -> m.Summary:
    facts = channel_day_facts(channel_ids=channel_ids, period=period, lists=lists)
    return m.summarise(m.merge((f for _d, _c, f in facts), m.ChannelDayFacts))


def summary_from_events(*, channel_ids: Sequence[int], period: Period) -> m.Summary:
    """The same numbers computed from raw events (to verify the rollups)."""
    facts = facts_compute(first=period.first, last=period.last, channel_ids=channel_ids)
    wanted = set(channel_ids)
    return m.summarise(
        m.merge((f for (_d, c), f in facts.channels.items() if c in wanted), m.ChannelDayFacts)
    )


def channel_shift_costs() -> ChannelShiftCosts:
    costs = ChannelShiftCosts.objects.order_by("pk").first()
    return costs if costs is not None else ChannelShiftCosts()


def team_members(team_ids: Iterable[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    for team_id, user_id in Membership.objects.filter(team_id__in=list(team_ids)).values_list(
        "team_id", "user_id"
    ):
        members.setdefault(team_id, []).append(user_id)
    return members


def zone_name() -> str:
    return str(kpi_zone())
