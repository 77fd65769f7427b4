"""The business clock: the one place that knows when a channel is staffed.

A channel's staffed hours are weekly opening intervals in a named IANA time
zone (an interval whose end is not after its start runs overnight into the
next day), minus the public holidays of a region from the ``holidays``
package (``"GB-ENG"``, ``"GB-SCT"``, ``"AU-NSW"``...), minus dated closures,
plus dated extra cover. A channel with no hours (``None``) is staffed 24/7.

Intervals are built in local wall time per date and only then converted to
UTC, so a 08:00-18:00 day is ten wall-clock hours whatever the UTC offset,
and the day of a DST change is as long as the clocks say (a 01:00-03:00
shift on the London spring-forward day is one hour). A wall time that does
not exist (inside the spring-forward gap) resolves with the offset in force
before the change; an ambiguous one (autumn) means its first occurrence
(PEP 495 ``fold=0``).

Precedence: a public holiday removes the weekly intervals that *start* on
that date (an overnight shift belongs to the day it starts); a closure
removes any staffed time it covers; extra cover wins over both, because it
is added on purpose for an incident.

Every function takes and returns aware datetimes and is keyword-only.
``Timeline`` serves many queries over one window (the evaluation pass uses
it for thousands of due times per channel).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[datetime, datetime]

# How far the searches look before giving up (a channel closed for a year is
# as good as never staffed).
HORIZON = timedelta(days=400)
_WINDOW = timedelta(days=14)
# The typographic range dash of the statement text ("Mon<dash>Fri 8am<dash>6pm").
DASH = "\N{EN DASH}"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WeeklyInterval:
    weekday: int  # 0 = Monday
    start: time
    end: time  # not after start: ends on the next day (00:00-00:00 is 24 hours)

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


ExceptionKindName = Literal["closed", "extra"]


@dataclass(frozen=True)
class DatedException:
    """A closure or extra cover from ``start`` to ``end``: naive datetimes are
    wall time in the schedule's zone, aware ones are instants."""

    kind: ExceptionKindName
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    time_zone: str
    weekly: tuple[WeeklyInterval, ...]
    holiday_region: str = ""
    exceptions: tuple[DatedException, ...] = field(default=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class HasSchedule(Protocol):
    def schedule(self) -> Schedule: ...


Hours = Schedule | HasSchedule | None


@dataclass(frozen=True)
class ClosedPeriod:
    """The closed stretch around an instant: ``since`` is when the team last
    went off duty and ``until`` when it is next back (None: not within the
    search horizon)."""

    since: datetime | None
    until: datetime | None


# --- holidays --------------------------------------------------------------------


def parse_region(region: str) -> tuple[str, str | None]:
    """``"GB-ENG"`` -> ``("GB", "ENG")``; ``"FR"`` -> ``("FR", None)``."""
    country, _, subdiv = region.strip().upper().partition("-")
    return country, subdiv or None


def region_problem(region: str) -> str | None:
    """A sentence for the admin if ``holidays`` does not know the region."""
    if not region:
        return None
    country, subdiv = parse_region(region)
    try:
        holidays.country_holidays(country, subdiv=subdiv, years=2026)
    except NotImplementedError as exc:
        return f"Unknown holiday region {region!r}: {exc}"
    return None


@lru_cache(maxsize=512)
def holiday_dates(region: str, year: int) -> frozenset[date]:
    """Public holidays of ``region`` in ``year`` (cached: the package builds them slowly)."""
    if not region:
        return frozenset()
    country, subdiv = parse_region(region)
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year).keys())


def is_holiday(region: str, day: date) -> bool:
    return bool(region) and day in holiday_dates(region, day.year)


# --- interval arithmetic ----------------------------------------------------------


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for start, end in intervals:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            next_pieces = []
            for p_start, p_end in pieces:
                if h_end <= p_start or h_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if h_start > p_start:
                    next_pieces.append((p_start, h_start))
                if h_end < p_end:
                    next_pieces.append((h_end, p_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


def _clip(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if e > start and s < end]


# --- building intervals ----------------------------------------------------------


def _resolve(hours: Hours) -> Schedule | None:
    if hours is None or isinstance(hours, Schedule):
        return hours
    return hours.schedule()


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _weekly(schedule: Schedule, first: date, last: date) -> list[Interval]:
    zone = schedule.zone
    by_day: dict[int, list[WeeklyInterval]] = {}
    for interval in schedule.weekly:
        by_day.setdefault(interval.weekday, []).append(interval)
    found: list[Interval] = []
    day = first
    while day <= last:
        todays = by_day.get(day.weekday())
        if todays and not is_holiday(schedule.holiday_region, day):
            for w in todays:
                end_day = day + timedelta(days=1) if w.overnight else day
                found.append(
                    (
                        _utc(datetime.combine(day, w.start), zone),
                        _utc(datetime.combine(end_day, w.end), zone),
                    )
                )
        day += timedelta(days=1)
    return found


def staffed_intervals(*, hours: Hours, start: datetime, end: datetime) -> list[Interval]:
    """The staffed stretches within [start, end), merged, in UTC."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        return []
    schedule = _resolve(hours)
    if schedule is None:
        return [(start, end)]
    zone = schedule.zone
    # One day of margin each side catches overnight shifts and offset changes.
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    base = _merge(_weekly(schedule, first, last))
    closed = _merge(
        (_utc(e.start, zone), _utc(e.end, zone)) for e in schedule.exceptions if e.kind == "closed"
    )
    extra = [
        (_utc(e.start, zone), _utc(e.end, zone)) for e in schedule.exceptions if e.kind == "extra"
    ]
    return _clip(_merge(_subtract(base, closed) + extra), start, end)


class Timeline:
    """Staffed intervals over one window with running totals, so staffed
    seconds and due times are a bisect each. Queries outside the window
    raise ValueError: build it wide enough, or use the module functions."""

    def __init__(self, *, hours: Hours, start: datetime, end: datetime):
        self.start, self.end = _aware(start, "start"), _aware(end, "end")
        self.always = _resolve(hours) is None
        self.intervals = staffed_intervals(hours=hours, start=self.start, end=self.end)
        self._starts = [s for s, _ in self.intervals]
        self._totals = [0.0]
        for s, e in self.intervals:
            self._totals.append(self._totals[-1] + (e - s).total_seconds())

    def _check(self, *instants: datetime) -> None:
        for instant in instants:
            if not self.start <= instant <= self.end:
                raise ValueError(f"{instant} is outside the timeline {self.start}..{self.end}")

    def _elapsed(self, at: datetime) -> float:
        """Staffed seconds from the window start to ``at``."""
        i = bisect.bisect_right(self._starts, at) - 1
        if i < 0:
            return 0.0
        s, e = self.intervals[i]
        return self._totals[i] + (min(at, e) - s).total_seconds()

    def seconds_between(self, start: datetime, end: datetime) -> float:
        start, end = _aware(start, "start"), _aware(end, "end")
        if end <= start:
            return 0.0
        if self.always:
            return (end - start).total_seconds()
        self._check(start, end)
        return self._elapsed(end) - self._elapsed(start)

    def add(self, start: datetime, seconds: float) -> datetime | None:
        """The instant when ``seconds`` of staffed time have passed since
        ``start``; None if that is beyond the window."""
        start = _aware(start, "start")
        if self.always:
            return start + timedelta(seconds=seconds)
        self._check(start)
        if seconds <= 0:
            # Zero staffed time has passed at the first staffed instant.
            i = bisect.bisect_right(self._starts, start) - 1
            if i >= 0 and self.intervals[i][1] > start:
                return start
            return self._starts[i + 1] if i + 1 < len(self.intervals) else None
        target = self._elapsed(start) + seconds
        # First interval whose running total reaches the target.
        i = bisect.bisect_left(self._totals, target) - 1
        if i < 0 or i >= len(self.intervals):
            return None
        return self.intervals[i][0] + timedelta(seconds=target - self._totals[i])


# --- the questions ------------------------------------------------------------------


def is_staffed(*, hours: Hours, at: datetime) -> bool:
    at = _aware(at, "at")
    return bool(staffed_intervals(hours=hours, start=at, end=at + timedelta(microseconds=1)))


def next_opening(*, hours: Hours, after: datetime) -> datetime | None:
    """The earliest instant at or after ``after`` when the channel is staffed
    (``after`` itself if staffed then); None if closed for the whole horizon."""
    after = _aware(after, "after")
    cursor = after
    while cursor < after + HORIZON:
        found = staffed_intervals(hours=hours, start=cursor, end=cursor + _WINDOW)
        if found:
            return found[0][0]
        cursor += _WINDOW
    return None


def last_closing(*, hours: Hours, before: datetime) -> datetime | None:
    """When the most recent staffed stretch ending at or before ``before``
    ended; None if never staffed within the horizon."""
    before = _aware(before, "before")
    cursor = before
    while cursor > before - HORIZON:
        found = staffed_intervals(hours=hours, start=cursor - _WINDOW, end=cursor)
        if found:
            return found[-1][1]
        cursor -= _WINDOW
    return None


def closed_period(*, hours: Hours, at: datetime) -> ClosedPeriod | None:
    """The closed stretch containing ``at``, or None if staffed at ``at``."""
    if is_staffed(hours=hours, at=at):
        return None
    return ClosedPeriod(
        since=last_closing(hours=hours, before=at), until=next_opening(hours=hours, after=at)
    )


def staffed_seconds(*, hours: Hours, start: datetime, end: datetime) -> float:
    """Staffed seconds within [start, end) (0 if end is not after start)."""
    return sum(
        (e - s).total_seconds() for s, e in staffed_intervals(hours=hours, start=start, end=end)
    )


def add_staffed_seconds(*, hours: Hours, start: datetime, seconds: float) -> datetime | None:
    """The instant when ``seconds`` of staffed time have elapsed since
    ``start`` (a due time); None if not reached within the horizon."""
    start = _aware(start, "start")
    if _resolve(hours) is None:
        return start + timedelta(seconds=seconds)
    remaining = max(0.0, seconds)
    cursor = start
    while cursor < start + HORIZON:
        for s, e in staffed_intervals(hours=hours, start=cursor, end=cursor + _WINDOW):
            length = (e - s).total_seconds()
            if length >= remaining:
                return s + timedelta(seconds=remaining)
            remaining -= length
        cursor += _WINDOW
    return None


def elapsed_seconds(*, hours: Hours, clock: str, start: datetime, end: datetime) -> float:
    """Seconds between two instants on the given clock ("calendar" or "staffed")."""
    if clock == "calendar":
        return max(0.0, (_aware(end, "end") - _aware(start, "start")).total_seconds())
    return staffed_seconds(hours=hours, start=start, end=end)


# --- the statement for a profile bio ---------------------------------------------------


def _clock_text(value: time, *, end: bool = False) -> str:
    if value == time(0) and end:
        return "midnight"
    if value == time(12):
        return "noon"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _day_text(intervals: Sequence[WeeklyInterval]) -> str:
    parts = []
    for w in sorted(intervals, key=lambda w: w.start):
        if w.start == w.end:
            parts.append("24 hours")
        else:
            parts.append(f"{_clock_text(w.start)}{DASH}{_clock_text(w.end, end=True)}")
    return " and ".join(parts)


def zone_label(time_zone: str) -> str:
    if time_zone in ("Europe/London", "GB"):
        return "UK time"
    return time_zone.rsplit("/", 1)[-1].replace("_", " ") + " time"


def wait_in_words(minutes: int) -> str:
    """A response target as people say it: "30 minutes", "an hour",
    "90 minutes", "4 hours", "a day"."""
    if minutes % 1440 == 0:
        days = minutes // 1440
        return "a day" if days == 1 else f"{days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    if minutes < 120:
        return f"{minutes} minutes" if minutes != 1 else "a minute"
    return f"{minutes // 60} hours {minutes % 60} minutes"


def _wait_sentence(wait_minutes: int | None, *, staffed_clock: bool) -> str:
    # Seed 004: people mind the not knowing more than the wait, so the bio
    # says how long the wait is likely to be.
    if not wait_minutes:
        return ""
    when = " while staffed" if staffed_clock else ""
    return f" We aim to reply within {wait_in_words(wait_minutes)}{when}."


def hours_statement(
    *,
    hours: Hours,
    emergency_text: str = "",
    wait_minutes: int | None = None,
    wait_clock: str = "staffed",
) -> str:
    """Text for the channel's profile bio, e.g. "Staffed Mon-Fri 8am-6pm (UK
    time), not on public holidays. Not monitored for emergencies." (with
    en dashes). With ``wait_minutes`` (the response target) it also says
    how long a reply may take, on the target's clock."""
    schedule = _resolve(hours)
    tail = f" {emergency_text.strip()}" if emergency_text.strip() else ""
    if schedule is None:
        wait = _wait_sentence(wait_minutes, staffed_clock=False)
        return f"Staffed 24 hours a day, 7 days a week.{wait}{tail}"
    if not schedule.weekly:
        return f"Not staffed at present.{tail}"
    per_day = {day: _day_text([w for w in schedule.weekly if w.weekday == day]) for day in range(7)}
    groups: list[tuple[int, int, str]] = []
    for day in range(7):
        text = per_day[day]
        if groups and groups[-1][2] == text and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    phrases = []
    for first, last, text in groups:
        if not text:
            continue
        days = WEEKDAYS[first] if first == last else f"{WEEKDAYS[first]}{DASH}{WEEKDAYS[last]}"
        phrases.append(f"{days} {text}")
    if len(phrases) == 1 and phrases[0] == f"Mon{DASH}Sun 24 hours":
        sentence = "Staffed 24 hours a day, 7 days a week"
    else:
        sentence = f"Staffed {', '.join(phrases)} ({zone_label(schedule.time_zone)})"
    if schedule.holiday_region:
        sentence += ", not on public holidays"
    wait = _wait_sentence(wait_minutes, staffed_clock=wait_clock == "staffed")
    return f"{sentence}.{wait} Not monitored for emergencies.{tail}"


def reopens_text(*, hours: Hours, at: datetime, reopens: datetime | None) -> str:
    """ "8am today", "9:30am tomorrow", "8am on Monday 23 November" in the
    schedule's zone; "as soon as we can" if unknown."""
    schedule = _resolve(hours)
    if reopens is None:
        return "as soon as we can"
    zone = schedule.zone if schedule else UTC
    local, now_local = reopens.astimezone(zone), at.astimezone(zone)
    clock = _clock_text(local.time().replace(second=0, microsecond=0))
    delta = (local.date() - now_local.date()).days
    if delta == 0:
        return f"{clock} today"
    if delta == 1:
        return f"{clock} tomorrow"
    return f"{clock} on {local:%A} {local.day} {local:%B}"
