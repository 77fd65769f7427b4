"""Reads for the staffed-hours, targets and bio settings: the channels a
person may configure, a week's preview of the business clock, whether a
channel is staffed now and when that changes, and the profile-bio statement
with its length against the network's limit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from escalation import clock as business_clock
from escalation.models import HoursException, ResponseTarget, StaffedHours
from escalation.regions import holiday_name
from escalation.services.targets import Policies, Policy
from inbox.models import Channel, Priority
from inbox.text_rules import length_used

PREVIEW_DAYS = 7


def channels_for_settings(*, user: User) -> QuerySet[Channel]:
    """The channels whose hours, targets and texts this person may change."""
    return access.channels_managed_by(user).order_by("name", "pk")


def channel_get_for_settings(*, user: User, pk: int) -> Channel:
    """A channel this person may configure: 404 if they cannot even see it
    (another team's channel), 403 if they see it but do not manage it."""
    channel = access.channels_visible_to(user).filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel")
    if not access.can_manage_channel(user, channel):
        raise PermissionDenied("Only a manager of a team covering this channel, or an admin.")
    return channel


def hours_get(*, channel: Channel) -> StaffedHours | None:
    return (
        StaffedHours.objects.select_related("channel")
        .prefetch_related("intervals", "exceptions")
        .filter(channel=channel)
        .first()
    )


def exception_get_for_settings(*, user: User, channel: Channel, pk: int) -> HoursException:
    found = HoursException.objects.select_related("hours__channel").filter(
        pk=pk, hours__channel=channel
    )
    row = found.first()
    if row is None:
        raise Http404("No such closure or opening")
    return row


def exceptions_upcoming(*, hours: StaffedHours | None, now: datetime) -> list[HoursException]:
    """Closures and openings not yet over (past ones stay in the event log)."""
    if hours is None:
        return []
    local_now = now.astimezone(hours.schedule().zone).replace(tzinfo=None)
    return [x for x in hours.exceptions.all() if x.local_end > local_now]


def targets_for_settings(*, user: User) -> QuerySet[ResponseTarget]:
    """Targets on the channels this person manages, and (for everyone who
    manages something) the defaults for every channel, read-only to managers."""
    if not access.managed_team_ids(user):
        return ResponseTarget.objects.none()
    managed = channels_for_settings(user=user).values("pk")
    return (
        ResponseTarget.objects.select_related("channel")
        .filter(Q(channel__isnull=True) | Q(channel__in=managed))
        .order_by(F("channel__name").asc(nulls_first=True), "channel_id", "priority")
    )


def target_get_for_settings(*, user: User, pk: int) -> ResponseTarget:
    target = targets_for_settings(user=user).filter(pk=pk).first()
    if target is None:
        raise Http404("No such target")
    return target


# --- the clock, previewed --------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    start: time
    end: time
    ends_next_day: bool


@dataclass(frozen=True)
class DayPreview:
    day: date
    openings: tuple[Opening, ...]
    holiday: str | None
    closures: tuple[str, ...]
    openings_extra: tuple[str, ...]

    @property
    def open(self) -> bool:
        return bool(self.openings)


@dataclass(frozen=True)
class StaffedNow:
    staffed: bool
    # When it next closes (if staffed) or opens (if not); None: never within a year.
    next_change: datetime | None
    next_change_text: str


def _local_midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time(0)).replace(tzinfo=zone, fold=0)


def week_preview(*, hours: StaffedHours | None, now: datetime | None = None) -> list[DayPreview]:
    """Each of the next seven days (from today, in the hours' zone): the
    staffed stretches that start that day, the public holiday, and the
    closures and special openings that touch it, with their reasons."""
    now = now or timezone.now()
    if hours is None:
        today = timezone.localdate(now)
        return [
            DayPreview(today + timedelta(days=n), (Opening(time(0), time(0), True),), None, (), ())
            for n in range(PREVIEW_DAYS)
        ]
    schedule = hours.schedule()
    zone = schedule.zone
    today = now.astimezone(zone).date()
    exceptions = list(hours.exceptions.all())
    days = []
    for n in range(PREVIEW_DAYS):
        day = today + timedelta(days=n)
        start, end = _local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)
        stretches = business_clock.staffed_intervals(
            hours=schedule, start=start, end=end + timedelta(days=1)
        )
        openings = tuple(
            Opening(
                s.astimezone(zone).time(),
                e.astimezone(zone).time(),
                e.astimezone(zone).date() > day,
            )
            for s, e in stretches
            if start <= s < end
        )
        day_start, day_end = datetime.combine(day, time(0)), datetime.combine(day, time(0))
        day_end += timedelta(days=1)
        touching = [x for x in exceptions if x.local_start < day_end and x.local_end > day_start]
        days.append(
            DayPreview(
                day=day,
                openings=openings,
                holiday=holiday_name(schedule.holiday_region, day),
                closures=tuple(x.reason or "Closed" for x in touching if x.kind == "closed"),
                openings_extra=tuple(
                    x.reason or "Special opening" for x in touching if x.kind == "extra"
                ),
            )
        )
    return days


def staffed_now(*, hours: StaffedHours | None, now: datetime | None = None) -> StaffedNow:
    now = now or timezone.now()
    if hours is None:
        return StaffedNow(True, None, "Staffed 24 hours a day, 7 days a week.")
    schedule = hours.schedule()
    if business_clock.is_staffed(hours=schedule, at=now):
        closes = _closes_after(schedule, now)
        text = business_clock.reopens_text(hours=schedule, at=now, reopens=closes)
        return StaffedNow(True, closes, f"Staffed now, until {text}." if closes else "Staffed now.")
    opens = business_clock.next_opening(hours=schedule, after=now)
    text = business_clock.reopens_text(hours=schedule, at=now, reopens=opens)
    return StaffedNow(
        False, opens, f"Not staffed now. Staffed again from {text}." if opens else "Not staffed."
    )


def _closes_after(schedule: business_clock.Schedule, now: datetime) -> datetime | None:
    cursor = now
    # Stretches are merged, so the first one's end is the closing time unless
    # it runs to the window's edge (a 24/7 fortnight), when we look further.
    while cursor < now + business_clock.HORIZON:
        window_end = cursor + timedelta(days=14)
        found = business_clock.staffed_intervals(hours=schedule, start=cursor, end=window_end)
        if not found or found[0][0] > cursor:
            return cursor
        if found[0][1] < window_end:
            return found[0][1]
        cursor = window_end
    return None


# --- the statement for the profile bio -------------------------------------------------


@dataclass(frozen=True)
class BioStatement:
    channel: Channel
    text: str
    used: int
    limit: int | None

    @property
    def too_long(self) -> bool:
        return self.limit is not None and self.used > self.limit

    @property
    def over_by(self) -> int:
        return max(0, self.used - (self.limit or self.used))


def expected_wait(*, channel_id: int, targets: Iterable[ResponseTarget]) -> Policy:
    """The response target a normal-priority message on the channel gets
    (crisis mode aside: a bio is not rewritten for an incident)."""
    return Policies(targets, {}).for_conversation(channel_id=channel_id, priority=Priority.NORMAL)


def bio_statements(*, channels: Iterable[Channel]) -> list[BioStatement]:
    """The bio statement of each channel (hours, expected wait, emergency
    signposting), measured as its network measures a bio. Three queries."""
    channels = list(channels)
    found = {
        h.channel_id: h
        for h in StaffedHours.objects.filter(channel__in=channels).prefetch_related(
            "intervals", "exceptions"
        )
    }
    targets = list(ResponseTarget.objects.all())
    result = []
    for channel in channels:
        hours = found.get(channel.pk)
        policy = expected_wait(channel_id=channel.pk, targets=targets)
        text = business_clock.hours_statement(
            hours=hours.schedule() if hours else None,
            emergency_text=hours.emergency_text if hours else "",
            wait_minutes=policy.target_seconds // 60,
            wait_clock=policy.clock,
        )
        used, limit = length_used(channel.network, "bio", text)
        result.append(BioStatement(channel=channel, text=text, used=used, limit=limit))
    return result


def hours_by_channel(*, channels: Iterable[Channel]) -> dict[int, StaffedHours]:
    return {h.channel_id: h for h in StaffedHours.objects.filter(channel__in=list(channels))}


# --- the out-of-hours reply, previewed ------------------------------------------------


@dataclass(frozen=True)
class ReplyPreview:
    # When the message in the example arrives: now if closed, else when the
    # team next goes off duty (None: never closed within a year).
    arrives: datetime | None
    arrives_now: bool
    text: str


def out_of_hours_preview(*, hours: StaffedHours, now: datetime | None = None) -> ReplyPreview:
    """The reply a citizen writing now (or, while staffed, at the next
    closing time) would get, as the evaluation pass would word it."""
    from escalation.services.autoreply import reply_text

    now = now or timezone.now()
    schedule = hours.schedule()
    arrives_now = not business_clock.is_staffed(hours=schedule, at=now)
    arrives = now if arrives_now else _closes_after(schedule, now)
    if arrives is None:
        return ReplyPreview(None, False, "")
    reopens = business_clock.next_opening(hours=schedule, after=arrives)
    text = reply_text(hours=hours, schedule=schedule, now=arrives, reopens=reopens)
    return ReplyPreview(arrives, arrives_now, text)
