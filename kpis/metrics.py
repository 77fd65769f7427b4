"""KPI definitions as pure functions over event rows (no database here).

A *cycle* is one stretch of a conversation that needed an answer: it starts
with the first inbound message of the conversation or of its reopening (the
first inbound after a resolution) and ends when the conversation is
resolved. Where a cycle starts and what answers it is decided by the inbox's
cycle rule (``inbox.services.cycle``), the one the live services store by.
Per cycle:

- **First response** is the first outbound reply or private message by staff
  after the cycle started. Auto-replies never stop the clock (they mark the
  cycle "acknowledged" instead). Replies our account posted outside
  SocialDesk (``message.seen_outbound``) count: a person sent them.
- **Outcome**: answered; otherwise acknowledged with a like (a name-check);
  otherwise closed as "no reply needed" (a resolution whose event data has
  ``reason == "no_reply_needed"``); otherwise closed unanswered, or still
  awaiting an answer. Liked and no-reply-needed cycles are counted apart:
  response rate = answered / (answered + closed unanswered + awaiting).
- **Times** are whole seconds on two clocks: the calendar, and the staffed
  clock of the channel (``escalation.clock``: stops outside staffed hours and
  on public holidays). The staffed clock starts at opening time (Orlo's
  rule: 19:00 answered 09:00 with 08:00 opening is one hour); a reply sent
  before opening, in the same closed period, takes 0 staffed seconds.
- **Within 30/60** is the share of *answered* cycles whose first response
  took at most 1,800 / 3,600 seconds; unanswered cycles show in the
  response rate instead.
- **Percentiles** interpolate linearly between ranks (Postgres
  ``percentile_cont``): the median of an even count is the mean of the two
  middle values.

Inbound messages are dated by the network's timestamp (when the citizen
wrote), replies and resolutions by when they happened. Events are processed
in the order they were stored (``at``, then id), which is the order the
inbox saw them: an inbound message stored after a resolution starts a new
cycle, as the inbox reopened the conversation then.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from inbox.services import cycle as cycle_rule

RECEIVED = "message.received"
SENT = "message.sent"
SEEN_OUTBOUND = "message.seen_outbound"
LIKED = "message.liked"
STATUS = "conversation.status_changed"
CYCLE_EVENT_TYPES = (RECEIVED, SENT, SEEN_OUTBOUND, LIKED, STATUS)
RESOLVED = "resolved"
NO_REPLY_NEEDED = "no_reply_needed"

WITHIN_30 = 30 * 60
WITHIN_60 = 60 * 60


class EventRow(NamedTuple):
    """One event as the metrics need it. ``message_time`` is the message's
    network timestamp (inbound and seen-outbound messages)."""

    conversation_id: int
    channel_id: int
    type: str
    at: datetime
    actor_id: int | None
    message_time: datetime | None
    automated: Any = None
    to: str | None = None
    reason: str | None = None


def _truthy(value: Any) -> bool:
    # JSON booleans come back as True, 1 or "true" depending on the database.
    return value in (True, 1, "1", "true", "True")


class Cycle:
    __slots__ = (
        "auto_ack",
        "channel_id",
        "conversation_id",
        "first_response",
        "liked",
        "reason",
        "resolved_at",
        "resolver_id",
        "responder_id",
        "start",
    )

    def __init__(self, conversation_id: int, channel_id: int, start: datetime):
        self.conversation_id = conversation_id
        self.channel_id = channel_id
        self.start = start
        self.first_response: datetime | None = None
        self.responder_id: int | None = None
        self.auto_ack: datetime | None = None
        self.liked = False
        self.resolved_at: datetime | None = None
        self.resolver_id: int | None = None
        self.reason: str | None = None

    @property
    def outcome(self) -> str:
        if self.first_response is not None:
            return "answered"
        if self.liked:
            return "liked"
        if self.resolved_at is not None:
            return "no_reply_needed" if self.reason == NO_REPLY_NEEDED else "closed_unanswered"
        return "awaiting"

    def __repr__(self) -> str:
        return (
            f"<Cycle conv={self.conversation_id} start={self.start:%Y-%m-%d %H:%M} {self.outcome}>"
        )


def cycles_from_events(rows: Iterable[EventRow | tuple]) -> list[Cycle]:
    """Cut each conversation's events (ordered by conversation, then stored
    order) into cycles. Rows are ``EventRow`` or tuples in its field order.

    The events are replayed through the inbox's cycle rule
    (``inbox.services.cycle``), the one the live services store by, so a
    rebuilt first response is the one the conversation recorded."""
    cycles: list[Cycle] = []
    current: Cycle | None = None
    state = cycle_rule.CycleState()
    conversation = None
    for conv, chan, typ, at, actor, mtime, automated, to, reason in rows:
        if conv != conversation:
            if current is not None:
                cycles.append(current)
            current, conversation, state = None, conv, cycle_rule.CycleState()
        if typ == RECEIVED:
            step = cycle_rule.after_inbound(state, sent_at=mtime or at)
            if step.started:
                if current is not None:
                    cycles.append(current)
                current = Cycle(conv, chan, step.state.awaiting_since or at)
            elif current is not None and current.first_response is None:
                # A late delivery of an earlier message moves the start.
                current.start = step.state.awaiting_since or current.start
        elif typ in (SENT, SEEN_OUTBOUND):
            when = at if typ == SENT else (mtime or at)
            step = cycle_rule.after_answer(state, at=when, automated=_is_auto(typ, automated))
            if current is not None and _is_auto(typ, automated):
                if current.auto_ack is None and current.first_response is None:
                    current.auto_ack = when
            elif current is not None and step.answered and current.first_response is None:
                current.first_response = step.state.first_response_at
                current.responder_id = actor if typ == SENT else None
        elif typ == STATUS:
            step = cycle_rule.after_status(state, to=to or "")
            if to == RESOLVED and current is not None:
                current.resolved_at, current.resolver_id, current.reason = at, actor, reason
                cycles.append(current)
                current = None
        else:
            if typ == LIKED and current is not None:
                current.liked = True
            continue
        state = step.state
    if current is not None:
        cycles.append(current)
    return cycles


def _is_auto(typ: str, automated: Any) -> bool:
    return typ == SENT and _truthy(automated)


# --- clocks --------------------------------------------------------------------------


class StaffedClock(Protocol):
    def seconds_between(self, start: datetime, end: datetime) -> float: ...


def whole_seconds(value: float) -> int:
    return max(0, math.floor(value + 1e-6))


def calendar_seconds(start: datetime, end: datetime) -> int:
    return whole_seconds((end - start).total_seconds())


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight of ``first``, local midnight after ``last``): a DST day
    is 23 or 25 hours long, as the clocks say."""
    # In UTC: Python subtracts and compares two datetimes of the same zone
    # by wall clock, which would make every day 24 hours long.
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    after = last + timedelta(days=1)
    end = datetime(after.year, after.month, after.day, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- facts per day -------------------------------------------------------------------


@dataclass
class ChannelDayFacts:
    """What one channel did on one day (or, merged, over many days)."""

    inbound: int = 0
    inbound_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    cycles: int = 0
    answered: int = 0
    liked: int = 0
    no_reply_needed: int = 0
    closed_unanswered: int = 0
    awaiting: int = 0
    auto_acknowledged: int = 0
    resolved: int = 0
    resolved_after_answer: int = 0
    frt_calendar: list[int] = field(default_factory=list)
    frt_staffed: list[int] = field(default_factory=list)
    resolution_calendar: list[int] = field(default_factory=list)
    resolution_staffed: list[int] = field(default_factory=list)
    replies_human: int = 0
    replies_automated: int = 0
    escalations: int = 0
    escalation_ack: list[int] = field(default_factory=list)


@dataclass
class OfficerDayFacts:
    handled: int = 0
    frt_calendar: list[int] = field(default_factory=list)
    frt_staffed: list[int] = field(default_factory=list)
    resolved: int = 0
    resolution_calendar: list[int] = field(default_factory=list)
    replies: int = 0


CHANNEL_FIELDS = tuple(f.name for f in fields(ChannelDayFacts))
TIME_LISTS = (
    "frt_calendar",
    "frt_staffed",
    "resolution_calendar",
    "resolution_staffed",
    "escalation_ack",
)
OFFICER_FIELDS = tuple(f.name for f in fields(OfficerDayFacts))

ChannelKey = tuple[date, int]  # (day, channel id)
OfficerKey = tuple[date, int, int]  # (day, channel id, user id)


@dataclass
class Facts:
    channels: dict[ChannelKey, ChannelDayFacts] = field(default_factory=dict)
    officers: dict[OfficerKey, OfficerDayFacts] = field(default_factory=dict)

    def channel(self, key: ChannelKey) -> ChannelDayFacts:
        found = self.channels.get(key)
        if found is None:
            found = self.channels[key] = ChannelDayFacts()
        return found

    def officer(self, key: OfficerKey) -> OfficerDayFacts:
        found = self.officers.get(key)
        if found is None:
            found = self.officers[key] = OfficerDayFacts()
        return found


def add_cycle(facts: Facts, cycle: Cycle, day: date, clock: StaffedClock | None) -> None:
    """Count one cycle on the day it started."""
    f = facts.channel((day, cycle.channel_id))
    f.cycles += 1
    outcome = cycle.outcome
    setattr(f, outcome, getattr(f, outcome) + 1)
    if cycle.auto_ack is not None:
        f.auto_acknowledged += 1
    if cycle.first_response is not None:
        cal = calendar_seconds(cycle.start, cycle.first_response)
        staffed = _staffed(clock, cycle.start, cycle.first_response)
        f.frt_calendar.append(cal)
        f.frt_staffed.append(staffed)
        if cycle.responder_id is not None:
            o = facts.officer((day, cycle.channel_id, cycle.responder_id))
            o.handled += 1
            o.frt_calendar.append(cal)
            o.frt_staffed.append(staffed)
    if cycle.resolved_at is not None:
        f.resolved += 1
        if cycle.first_response is not None:
            f.resolved_after_answer += 1
        cal = calendar_seconds(cycle.start, cycle.resolved_at)
        f.resolution_calendar.append(cal)
        f.resolution_staffed.append(_staffed(clock, cycle.start, cycle.resolved_at))
        if cycle.resolver_id is not None:
            o = facts.officer((day, cycle.channel_id, cycle.resolver_id))
            o.resolved += 1
            o.resolution_calendar.append(cal)


def _staffed(clock: StaffedClock | None, start: datetime, end: datetime) -> int:
    if clock is None:  # a channel without staffed hours is staffed 24/7
        return calendar_seconds(start, end)
    return whole_seconds(clock.seconds_between(start, end))


def add_inbound(facts: Facts, channel_id: int, sent_at: datetime, zone: ZoneInfo) -> None:
    local = sent_at.astimezone(zone)
    f = facts.channel((local.date(), channel_id))
    f.inbound += 1
    f.inbound_by_hour[local.hour] += 1


def add_reply(
    facts: Facts, channel_id: int, actor_id: int | None, automated: bool, at: datetime, day: date
) -> None:
    f = facts.channel((day, channel_id))
    if automated:
        f.replies_automated += 1
        return
    f.replies_human += 1
    if actor_id is not None:
        facts.officer((day, channel_id, actor_id)).replies += 1


def add_escalation(facts: Facts, channel_id: int, day: date, ack_seconds: int | None) -> None:
    f = facts.channel((day, channel_id))
    f.escalations += 1
    if ack_seconds is not None:
        f.escalation_ack.append(ack_seconds)


def merge(items: Iterable[Any], kind: type) -> Any:
    """Sum counts and concatenate value lists (one type of facts)."""
    total = kind()
    for item in items:
        for name in CHANNEL_FIELDS if kind is ChannelDayFacts else OFFICER_FIELDS:
            value = getattr(item, name)
            if name == "inbound_by_hour":
                total.inbound_by_hour = [
                    a + b for a, b in zip(total.inbound_by_hour, value, strict=True)
                ]
            elif isinstance(value, list):
                getattr(total, name).extend(value)
            else:
                setattr(total, name, getattr(total, name) + value)
    return total


# --- summaries -----------------------------------------------------------------------


def percentile(values: list[int] | list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (``percentile_cont``)."""
    return _percentile_sorted(sorted(values), q)


def _percentile_sorted(ordered: list[int] | list[float], q: float) -> float | None:
    if not ordered:
        return None
    # Exact arithmetic: 0.9 * 9 is 8.100000000000001 in floating point.
    position = (len(ordered) - 1) * Fraction(str(q))
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Stats:
    """A distribution of durations in seconds."""

    count: int
    median: float | None
    p90: float | None
    mean: float | None
    within_30: int
    within_60: int

    @property
    def within_30_share(self) -> float | None:
        return share(self.within_30, self.count)

    @property
    def within_60_share(self) -> float | None:
        return share(self.within_60, self.count)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "median_seconds": self.median,
            "p90_seconds": self.p90,
            "mean_seconds": self.mean,
            "within_30": self.within_30,
            "within_60": self.within_60,
            "within_30_share": self.within_30_share,
            "within_60_share": self.within_60_share,
        }


def stats_of(values: list[int]) -> Stats:
    # Rollups store each day's values sorted, so this sort mostly merges runs.
    ordered = sorted(values)
    return Stats(
        count=len(ordered),
        median=_percentile_sorted(ordered, 0.5),
        p90=_percentile_sorted(ordered, 0.9),
        mean=sum(ordered) / len(ordered) if ordered else None,
        within_30=bisect.bisect_right(ordered, WITHIN_30),
        within_60=bisect.bisect_right(ordered, WITHIN_60),
    )


@dataclass(frozen=True)
class Summary:
    inbound: int
    cycles: int
    answered: int
    liked: int
    no_reply_needed: int
    closed_unanswered: int
    awaiting: int
    auto_acknowledged: int
    resolved: int
    resolved_after_answer: int
    replies_human: int
    replies_automated: int
    escalations: int
    frt_calendar: Stats
    frt_staffed: Stats
    resolution_calendar: Stats
    resolution_staffed: Stats
    escalation_ack: Stats

    @property
    def needing_answer(self) -> int:
        return self.answered + self.closed_unanswered + self.awaiting

    @property
    def response_rate(self) -> float | None:
        return response_rate_of(self)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.as_dict() if isinstance(value, Stats) else value
        out["needing_answer"] = self.needing_answer
        out["response_rate"] = self.response_rate
        return out


def response_rate_of(facts: ChannelDayFacts | Summary) -> float | None:
    """Answered / needing an answer; likes and "no reply needed" are left out."""
    return share(facts.answered, facts.answered + facts.closed_unanswered + facts.awaiting)


def summarise(facts: ChannelDayFacts) -> Summary:
    counts: dict[str, Any] = {
        name: getattr(facts, name)
        for name in CHANNEL_FIELDS
        if not isinstance(getattr(facts, name), list)
    }
    stats: dict[str, Any] = {name: stats_of(getattr(facts, name)) for name in TIME_LISTS}
    return Summary(**counts, **stats)


@dataclass(frozen=True)
class OfficerSummary:
    handled: int
    replies: int
    resolved: int
    frt_calendar: Stats
    frt_staffed: Stats
    resolution_calendar: Stats


def summarise_officer(facts: OfficerDayFacts) -> OfficerSummary:
    return OfficerSummary(
        handled=facts.handled,
        replies=facts.replies,
        resolved=facts.resolved,
        frt_calendar=stats_of(facts.frt_calendar),
        frt_staffed=stats_of(facts.frt_staffed),
        resolution_calendar=stats_of(facts.resolution_calendar),
    )


def by_hour_of_week(days: Iterable[tuple[date, list[int]]]) -> list[list[int]]:
    """Inbound per local hour of the week: ``[weekday][hour]``, Monday first."""
    grid = [[0] * 24 for _ in range(7)]
    for day, hours in days:
        row = grid[day.weekday()]
        for hour, count in enumerate(hours):
            row[hour] += count
    return grid


# --- engagement and audience -----------------------------------------------------------

ENGAGEMENT_PARTS = ("likes", "reposts", "replies", "quotes", "link_clicks")


def post_numbers(public: dict[str, Any]) -> dict[str, int | None]:
    """A network's public metrics -> our names. X: like/retweet/reply/quote/
    bookmark/impression counts; link clicks only where the network gives them."""

    def pick(*names: str) -> int | None:
        for name in names:
            if public.get(name) is not None:
                return max(0, int(public[name]))
        return None

    numbers = {
        "likes": pick("like_count", "likes", "reactions") or 0,
        "reposts": pick("retweet_count", "repost_count", "shares") or 0,
        "replies": pick("reply_count", "comments") or 0,
        "quotes": pick("quote_count") or 0,
        "bookmarks": pick("bookmark_count") or 0,
        "impressions": pick("impression_count", "impressions") or 0,
        "link_clicks": pick("url_link_clicks", "link_clicks", "clicks"),
    }
    numbers["engagement"] = engagement_of(numbers)
    return numbers


def engagement_of(numbers: dict[str, Any]) -> int:
    """Engagement = likes + reposts + replies + quotes + link clicks."""
    return sum(int(numbers.get(name) or 0) for name in ENGAGEMENT_PARTS)


def amplification_of(numbers: dict[str, Any]) -> int:
    """Amplification = reposts + quotes (people passing the post on)."""
    return int(numbers.get("reposts") or 0) + int(numbers.get("quotes") or 0)


@dataclass(frozen=True)
class AudienceDay:
    day: date
    followers: int
    gained: int
    lost: int


def audience_days(
    snapshots: Iterable[tuple[datetime, int]], zone: ZoneInfo, *, before: int | None = None
) -> list[AudienceDay]:
    """Followers at the end of each day from ordered snapshots; gained and
    lost are the rises and falls between consecutive snapshots (so an
    hourly fetch sees unfollows that a daily net change would hide).
    ``before`` is the last count before the first snapshot, if known."""
    days: dict[date, list[int]] = {}
    previous = before
    for taken_at, followers in snapshots:
        day = local_day(taken_at, zone)
        row = days.setdefault(day, [followers, 0, 0])
        row[0] = followers
        if previous is not None:
            delta = followers - previous
            row[1 if delta > 0 else 2] += abs(delta)
        previous = followers
    return [AudienceDay(day, *values) for day, values in sorted(days.items())]


def hour_pieces(
    intervals: Iterable[tuple[datetime, datetime]], zone: ZoneInfo
) -> Iterator[tuple[date, int, float]]:
    """Split UTC intervals at local hour boundaries: (local day, hour, seconds)."""
    for start, end in intervals:
        cursor = start
        while cursor < end:
            local = cursor.astimezone(zone)
            into_hour = local.minute * 60 + local.second + local.microsecond / 1e6
            step = min(end, cursor + timedelta(seconds=3600 - into_hour))
            yield local.date(), local.hour, (step - cursor).total_seconds()
            cursor = step
