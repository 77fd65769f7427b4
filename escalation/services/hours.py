"""Changing a channel's staffed hours from the settings pages and the API:
the weekly intervals (split shifts allowed), the time zone, the public-holiday
region, dated closures and special openings, and the out-of-hours texts.

Every change is checked against ``accounts.access.can_manage_channel`` (a
manager of the team that covers the channel, or an admin), validated as a
whole before anything is written, written in one transaction with its event,
and marks the channel's open due times stale so the next evaluation pass
recomputes them on the new clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import User
from escalation import clock as business_clock
from escalation.models import (
    ExceptionKind,
    HoursException,
    OpeningInterval,
    StaffedHours,
    validate_time_zone,
)
from escalation.regions import region_codes
from escalation.services.targets import targets_invalidate
from events.services import event_record
from inbox.models import Channel

WEEK_MINUTES = 7 * 24 * 60
# A closure longer than this is a channel that should be switched off instead.
LONGEST_EXCEPTION = timedelta(days=366)


@dataclass(frozen=True)
class IntervalIn:
    """One row of the weekly grid. ``overnight``: the shift ends on the next
    day, so its end is before (or at) its start; without it, an end before the
    start is a typing mistake, not a night shift."""

    weekday: int
    start: time
    end: time
    overnight: bool = False

    def minutes(self) -> tuple[int, int]:
        """(start, end) in minutes from Monday 00:00; the end may pass the week's end."""
        start = self.weekday * 1440 + self.start.hour * 60 + self.start.minute
        end = self.weekday * 1440 + self.end.hour * 60 + self.end.minute
        if self.overnight:
            end += 1440
        return start, end

    def describe(self) -> str:
        suffix = " (next day)" if self.overnight else ""
        return f"{business_clock.WEEKDAYS[self.weekday]} {self.start:%H:%M} to {self.end:%H:%M}{suffix}"


@dataclass(frozen=True)
class ExceptionIn:
    kind: str
    starts_on: date
    reason: str
    ends_on: date | None = None
    start_time: time | None = None
    end_time: time | None = None


def _ensure_manages(actor: User, channel: Channel) -> None:
    if not access.can_manage_channel(actor, channel):
        raise PermissionDenied("Only a manager of a team covering this channel, or an admin.")


# --- validation --------------------------------------------------------------------


def interval_problems(intervals: Sequence[IntervalIn]) -> dict[int, list[str]]:
    """Problems per row (index into ``intervals``): an end before its start,
    a zero-length shift, a day out of range, and overlaps with other rows
    (overnight shifts included, Sunday night into Monday too)."""
    problems: dict[int, list[str]] = {}
    spans: list[tuple[int, int, int]] = []
    for i, row in enumerate(intervals):
        if not 0 <= row.weekday <= 6:
            problems.setdefault(i, []).append("Choose a day of the week.")
            continue
        if not row.overnight and row.end <= row.start:
            what = "when it starts" if row.end == row.start else "before it starts"
            problems.setdefault(i, []).append(
                f"{row.describe()} ends {what}. For a night shift, tick “Ends the next day”."
            )
            continue
        if row.overnight and row.end > row.start:
            problems.setdefault(i, []).append(
                f"{row.describe()} would be longer than a day: "
                "a shift that ends the next day must end no later than its start time."
            )
            continue
        start, end = row.minutes()
        # A shift running past Sunday midnight continues on Monday morning.
        spans.append((start, min(end, WEEK_MINUTES), i))
        if end > WEEK_MINUTES:
            spans.append((0, end - WEEK_MINUTES, i))
    reach, owner = -1, -1  # the furthest end seen so far, and its row
    for start, end, i in sorted(spans):
        if start < reach and owner != i:
            first, second = sorted((owner, i))
            message = f"{intervals[second].describe()} overlaps {intervals[first].describe()}."
            if message not in problems.get(second, []):
                problems.setdefault(second, []).append(message)
        if end > reach:
            reach, owner = end, i
    return problems


def region_problem(region: str) -> str | None:
    if region and region not in region_codes():
        return f"“{region}” is not a public-holiday region we know. Choose one from the list."
    return None


def exception_problems(exc: ExceptionIn) -> list[str]:
    problems = []
    if exc.kind not in ExceptionKind.values:
        problems.append("Choose a closure or a special opening.")
    if not exc.reason.strip():
        problems.append("Give a reason (people see it in the week's preview).")
    start = datetime.combine(exc.starts_on, exc.start_time or time(0))
    last = exc.ends_on or exc.starts_on
    end = (
        datetime.combine(last, exc.end_time)
        if exc.end_time is not None
        else datetime.combine(last + timedelta(days=1), time(0))
    )
    if end <= start:
        problems.append("The end must be after the start.")
    elif end - start > LONGEST_EXCEPTION:
        problems.append("A closure or opening can last a year at most.")
    return problems


def _raise_if(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


# --- the weekly hours ----------------------------------------------------------------


def staffed_hours_set(
    *,
    actor: User,
    channels: Sequence[Channel],
    intervals: Sequence[IntervalIn],
    time_zone: str,
    holiday_region: str,
) -> list[StaffedHours]:
    """Replace the weekly intervals, time zone and holiday region of each of
    ``channels`` (one channel, or every channel of a team) with the same
    hours. All or nothing: any refusal or problem and no channel changes.
    The out-of-hours texts and dated exceptions of each channel are kept."""
    if not channels:
        raise ValidationError("Choose at least one channel.")
    for channel in channels:
        _ensure_manages(actor, channel)
    holiday_region = holiday_region.strip().upper()
    problems = [m for msgs in interval_problems(intervals).values() for m in msgs]
    if region := region_problem(holiday_region):
        problems.append(region)
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        problems.extend(exc.messages)
    _raise_if(problems)
    saved = []
    with transaction.atomic():
        for channel in channels:
            saved.append(_replace(actor, channel, intervals, time_zone, holiday_region))
        targets_invalidate(channel_ids=[c.pk for c in channels])
    return saved


def _replace(
    actor: User,
    channel: Channel,
    intervals: Sequence[IntervalIn],
    time_zone: str,
    holiday_region: str,
) -> StaffedHours:
    hours, created = StaffedHours.objects.select_for_update().get_or_create(
        channel=channel, defaults={"time_zone": time_zone, "holiday_region": holiday_region}
    )
    before = None if created else _snapshot(hours)
    hours.time_zone, hours.holiday_region = time_zone, holiday_region
    hours.save(update_fields=["time_zone", "holiday_region", "updated_at"])
    hours.intervals.all().delete()
    OpeningInterval.objects.bulk_create(
        OpeningInterval(hours=hours, weekday=i.weekday, start=i.start, end=i.end)
        for i in sorted(intervals, key=lambda i: i.minutes())
    )
    event_record(
        type="hours.changed",
        actor=actor,
        channel=channel,
        data={"before": before, "after": _snapshot(hours)},
    )
    return hours


def _snapshot(hours: StaffedHours) -> dict:
    return {
        "time_zone": hours.time_zone,
        "holiday_region": hours.holiday_region,
        "intervals": [
            [i.weekday, f"{i.start:%H:%M}", f"{i.end:%H:%M}"]
            for i in OpeningInterval.objects.filter(hours=hours).order_by("weekday", "start")
        ],
    }


def staffed_hours_clear(*, actor: User, channel: Channel) -> bool:
    """Remove the channel's hours (it is staffed 24/7 again, with no
    out-of-hours replies). True if there were hours to remove."""
    _ensure_manages(actor, channel)
    with transaction.atomic():
        hours = StaffedHours.objects.select_for_update().filter(channel=channel).first()
        if hours is None:
            return False
        before = _snapshot(hours)
        hours.delete()
        event_record(type="hours.cleared", actor=actor, channel=channel, data={"before": before})
        targets_invalidate(channel_ids=[channel.pk])
    return True


# --- closures and special openings ------------------------------------------------------


def hours_exception_add(*, actor: User, channel: Channel, exception: ExceptionIn) -> HoursException:
    """Add a dated closure or special opening. A channel without staffed
    hours is open all the time, so its hours must be set first."""
    _ensure_manages(actor, channel)
    _raise_if(exception_problems(exception))
    with transaction.atomic():
        hours = StaffedHours.objects.select_for_update().filter(channel=channel).first()
        if hours is None:
            raise ValidationError(
                "This channel is staffed 24/7: set its weekly hours before adding closures."
            )
        row = HoursException.objects.create(
            hours=hours,
            kind=exception.kind,
            starts_on=exception.starts_on,
            ends_on=exception.ends_on,
            start_time=exception.start_time,
            end_time=exception.end_time,
            reason=exception.reason.strip(),
        )
        event_record(
            type="hours.exception_added",
            actor=actor,
            channel=channel,
            data={"exception": _exception_data(row)},
        )
        targets_invalidate(channel_ids=[channel.pk])
    return row


def hours_exception_remove(*, actor: User, exception: HoursException) -> None:
    channel = exception.hours.channel
    _ensure_manages(actor, channel)
    with transaction.atomic():
        data = _exception_data(exception)
        deleted, _ = HoursException.objects.filter(pk=exception.pk).delete()
        if deleted:
            event_record(
                type="hours.exception_removed",
                actor=actor,
                channel=channel,
                data={"exception": data},
            )
            targets_invalidate(channel_ids=[channel.pk])


def _exception_data(row: HoursException) -> dict:
    return {
        "id": row.pk,
        "kind": row.kind,
        "start": row.local_start.isoformat(),
        "end": row.local_end.isoformat(),
        "reason": row.reason,
    }


# --- out-of-hours replies ---------------------------------------------------------------


def out_of_hours_texts_set(
    *,
    actor: User,
    channel: Channel,
    reply: bool,
    public: bool,
    text: str,
    emergency_text: str,
) -> StaffedHours:
    """Change the out-of-hours reply and emergency signposting of a channel
    with staffed hours (a channel staffed 24/7 never sends one). The model's
    own checks apply: known placeholders only, and a public reply that fits
    the network even when it names the longest reopening time."""
    _ensure_manages(actor, channel)
    with transaction.atomic():
        hours = (
            StaffedHours.objects.select_for_update()
            .select_related("channel")
            .filter(channel=channel)
            .first()
        )
        if hours is None:
            raise ValidationError(
                "This channel is staffed 24/7, so it sends no out-of-hours reply: "
                "set its staffed hours first."
            )
        before = _texts(hours)
        hours.out_of_hours_reply, hours.out_of_hours_public = reply, public
        hours.out_of_hours_text, hours.emergency_text = text.strip(), emergency_text.strip()
        hours.full_clean(exclude=["channel"])
        hours.save()
        event_record(
            type="autoreply.texts_changed",
            actor=actor,
            channel=channel,
            data={"before": before, "after": _texts(hours)},
        )
    return hours


def _texts(hours: StaffedHours) -> dict:
    return {
        "reply": hours.out_of_hours_reply,
        "public": hours.out_of_hours_public,
        "text": hours.out_of_hours_text,
        "emergency_text": hours.emergency_text,
    }
