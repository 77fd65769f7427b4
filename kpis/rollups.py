"""From the event log to daily rollups, and back to verify them.

``facts_compute`` reads raw events for a range of local days and returns the
facts per (day, channel) and (day, channel, person): this is the raw-event
computation the dashboards' numbers are checked against. ``rollups_recompute``
stores those facts as ``DailyChannelStats``/``DailyOfficerStats`` rows for
any period; ``rollups_refresh`` (every minute, from beat) follows the event
log by id and recomputes only the days that new or late events touch.

Rollup writers serialise on the ``RollupCursor`` row, and each chunk is
computed and stored inside that lock, so a long recompute and the refresh
can never store a stale day over a fresher one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models.fields.json import KT
from django.utils import timezone

from escalation.clock import Timeline
from escalation.selectors import schedules_by_channel
from events.models import Event
from inbox.models import Direction, Message
from kpis import metrics as m
from kpis.models import DailyChannelStats, DailyOfficerStats, RollupCursor

log = logging.getLogger(__name__)

CURSOR = "events"
CHUNK_DAYS = 7
_IN_CLAUSE = 1000

Progress = Callable[[int, int], None]


def kpi_zone() -> ZoneInfo:
    """The zone whose midnights separate KPI days (the council's own)."""
    return ZoneInfo(settings.KPI_TIME_ZONE or settings.TIME_ZONE or "UTC")


# --- raw computation -----------------------------------------------------------------


def event_rows(
    *, conversation_ids: Iterable[int] | None = None, inbound_between=None, channel_ids=None
) -> Iterator[tuple]:
    """Cycle events (``metrics.EventRow`` field order), per conversation in
    stored order: of the given conversations, or of every conversation with
    an inbound message sent within ``inbound_between`` (start, end)."""
    qs = Event.objects.filter(type__in=m.CYCLE_EVENT_TYPES)
    if inbound_between is not None:
        inbound = Message.objects.filter(
            direction=Direction.IN,
            sent_at__gte=inbound_between[0],
            sent_at__lt=inbound_between[1],
        )
        if channel_ids is not None:
            inbound = inbound.filter(channel_id__in=list(channel_ids))
        qs = qs.filter(conversation_id__in=inbound.values("conversation_id"))
    if conversation_ids is not None:
        qs = qs.filter(conversation_id__in=list(conversation_ids))
    return (
        qs.order_by("conversation_id", "at", "pk")
        .values_list(
            "conversation_id",
            "channel_id",
            "type",
            "at",
            "actor_id",
            "message__sent_at",
            KT("data__automated"),
            KT("data__to"),
            KT("data__reason"),
        )
        .iterator(chunk_size=5000)
    )


def _clocks(cycles: Sequence[m.Cycle]) -> dict[int, Timeline]:
    """One staffed-hours timeline per channel, wide enough for every instant
    the cycles need. Channels without staffed hours are left out (24/7)."""
    spans: dict[int, list[datetime]] = {}
    for c in cycles:
        instants = [c.start, *(t for t in (c.first_response, c.resolved_at) if t is not None)]
        span = spans.setdefault(c.channel_id, [min(instants), max(instants)])
        span[0], span[1] = min(span[0], *instants), max(span[1], *instants)
    schedules = schedules_by_channel(channel_ids=list(spans))
    return {
        channel_id: Timeline(hours=schedules[channel_id], start=lo, end=hi)
        for channel_id, (lo, hi) in spans.items()
        if channel_id in schedules
    }


def _add_cycles(facts: m.Facts, rows: Iterable[tuple], start, end, zone: ZoneInfo) -> None:
    def counted(rows: Iterable[tuple]) -> Iterator[tuple]:
        # Inbound volume is counted in the same pass as the cycles are cut.
        for row in rows:
            if row[2] == m.RECEIVED and row[5] is not None and start <= row[5] < end:
                m.add_inbound(facts, row[1], row[5], zone)
            yield row

    cycles = [c for c in m.cycles_from_events(counted(rows)) if start <= c.start < end]
    clocks = _clocks(cycles)
    for c in cycles:
        m.add_cycle(facts, c, m.local_day(c.start, zone), clocks.get(c.channel_id))


def _add_replies(facts: m.Facts, start, end, channel_ids, zone: ZoneInfo) -> None:
    qs = Event.objects.filter(type__in=(m.SENT, m.SEEN_OUTBOUND), at__gte=start, at__lt=end)
    if channel_ids is not None:
        qs = qs.filter(channel_id__in=list(channel_ids))
    for channel_id, actor_id, typ, automated, at in qs.values_list(
        "channel_id", "actor_id", "type", KT("data__automated"), "at"
    ).iterator(chunk_size=5000):
        automated = typ == m.SENT and m._truthy(automated)
        m.add_reply(facts, channel_id, actor_id, automated, at, m.local_day(at, zone))


def _add_escalations(facts: m.Facts, start, end, channel_ids, zone: ZoneInfo) -> None:
    raised = Event.objects.filter(type="escalation.raised", at__gte=start, at__lt=end)
    if channel_ids is not None:
        raised = raised.filter(channel_id__in=list(channel_ids))
    rows = list(raised.values_list("channel_id", "at", KT("data__escalation_id")))
    if not rows:
        return
    wanted = {str(esc_id) for _, _, esc_id in rows}
    acked: dict[str, datetime] = {}
    for esc_id, at in (
        Event.objects.filter(type="escalation.acknowledged", at__gte=start)
        .order_by("at", "pk")
        .values_list(KT("data__escalation_id"), "at")
    ):
        if str(esc_id) in wanted:
            acked.setdefault(str(esc_id), at)
    for channel_id, at, esc_id in rows:
        ack = acked.get(str(esc_id))
        seconds = m.calendar_seconds(at, ack) if ack is not None else None
        m.add_escalation(facts, channel_id, m.local_day(at, zone), seconds)


def facts_compute(*, first: date, last: date, channel_ids: Sequence[int] | None = None) -> m.Facts:
    """The KPI facts of local days ``first``..``last`` computed from raw
    events (all channels, or only ``channel_ids``)."""
    zone = kpi_zone()
    start, end = m.day_bounds(first, last, zone)
    facts = m.Facts()
    rows = event_rows(inbound_between=(start, end), channel_ids=channel_ids)
    _add_cycles(facts, rows, start, end, zone)
    _add_replies(facts, start, end, channel_ids, zone)
    _add_escalations(facts, start, end, channel_ids, zone)
    return facts


# --- storing -------------------------------------------------------------------------


def _lock() -> RollupCursor:
    cursor, _ = RollupCursor.objects.get_or_create(name=CURSOR)
    return RollupCursor.objects.select_for_update().get(pk=cursor.pk)


def _store(facts: m.Facts, first: date, last: date, channel_ids: Sequence[int] | None) -> None:
    """Replace the stored days ``first``..``last``. Call inside the lock."""
    now = timezone.now()
    for model in (DailyChannelStats, DailyOfficerStats):
        old = model.objects.filter(day__gte=first, day__lte=last)
        if channel_ids is not None:
            old = old.filter(channel_id__in=list(channel_ids))
        old._raw_delete(old.db)  # derived rows: no signals or cascades to honour
    DailyChannelStats.objects.bulk_create(
        [
            DailyChannelStats(day=day, channel_id=channel_id, computed_at=now, **vars(f))
            for (day, channel_id), f in facts.channels.items()
        ],
        batch_size=500,
    )
    DailyOfficerStats.objects.bulk_create(
        [
            DailyOfficerStats(
                day=day, channel_id=channel_id, user_id=user_id, computed_at=now, **vars(f)
            )
            for (day, channel_id, user_id), f in facts.officers.items()
        ],
        batch_size=500,
    )


def _chunks(days: list[date], size: int) -> Iterator[list[date]]:
    for i in range(0, len(days), size):
        yield days[i : i + size]


def rollups_recompute(
    *,
    first: date,
    last: date,
    channel_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    chunk_days: int = CHUNK_DAYS,
) -> int:
    """Rebuild the rollups of local days ``first``..``last`` from raw events,
    a chunk of days per transaction. Returns the number of days rebuilt."""
    if last < first:
        raise ValueError("The end of the period is before its start.")
    days = list(m.days_between(first, last))
    done = 0
    for chunk in _chunks(days, chunk_days):
        with transaction.atomic():
            _lock()
            facts = facts_compute(first=chunk[0], last=chunk[-1], channel_ids=channel_ids)
            _store(facts, chunk[0], chunk[-1], channel_ids)
        done += len(chunk)
        if progress is not None:
            progress(done, len(days))
    return done


def _runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Contiguous runs of days: {1,2,3,7} -> (1,3), (7,7)."""
    ordered = sorted(set(days))
    while ordered:
        first = last = ordered.pop(0)
        while ordered and ordered[0] == last + timedelta(days=1):
            last = ordered.pop(0)
        yield first, last


# --- following the event log ----------------------------------------------------------


def _settle() -> timedelta:
    # An event is only passed by the cursor once it is this old: a transaction
    # still open when we read may yet commit a lower id. Re-reading is harmless.
    return timedelta(seconds=settings.KPI_ROLLUP_SETTLE_SECONDS)


def _touched_cycle_days(conv_new: dict[int, datetime], zone: ZoneInfo) -> set[date]:
    """Start days of the cycles that new events could have changed: those
    not already resolved before the conversation's earliest new event."""
    days: set[date] = set()
    ids = list(conv_new)
    for i in range(0, len(ids), _IN_CLAUSE):
        for cycle in m.cycles_from_events(event_rows(conversation_ids=ids[i : i + _IN_CLAUSE])):
            earliest = conv_new[cycle.conversation_id]
            if cycle.resolved_at is None or cycle.resolved_at >= earliest:
                days.add(m.local_day(cycle.start, zone))
    return days


def _acknowledged_days(escalation_ids: set[str], zone: ZoneInfo) -> set[date]:
    if not escalation_ids:
        return set()
    raised = Event.objects.filter(type="escalation.raised").filter(
        data__escalation_id__in=[int(i) for i in escalation_ids if i.isdigit()]
    )
    return {m.local_day(at, zone) for at in raised.values_list("at", flat=True)}


def dirty_days(events: Sequence[tuple]) -> set[date]:
    """The local days whose rollups the given events change. ``events`` are
    (type, at, conversation_id, message_time, escalation_id) tuples."""
    zone = kpi_zone()
    days: set[date] = set()
    conv_new: dict[int, datetime] = {}
    acks: set[str] = set()
    for typ, at, conversation_id, message_time, escalation_id in events:
        days.add(m.local_day(at, zone))
        if message_time is not None:
            days.add(m.local_day(message_time, zone))
        if conversation_id is not None and typ in m.CYCLE_EVENT_TYPES:
            earliest = conv_new.get(conversation_id)
            conv_new[conversation_id] = at if earliest is None else min(earliest, at)
        if typ == "escalation.acknowledged" and escalation_id is not None:
            acks.add(str(escalation_id))
    return days | _touched_cycle_days(conv_new, zone) | _acknowledged_days(acks, zone)


def _settled_up_to(events: Sequence[tuple], *, full: bool) -> int:
    """The id the cursor may move to: the end of the leading run of settled
    events (a full batch always moves, so a backlog drains)."""
    if full:
        return events[-1][0]
    settled = timezone.now() - _settle()
    last = 0
    for pk, _type, at, *_rest in events:
        if at > settled:
            break
        last = pk
    return last


def rollups_refresh(*, limit: int = 20000) -> int:
    """Recompute the days touched by events stored since the last run.
    Returns how many events were read."""
    with transaction.atomic():
        cursor = _lock()
        events = list(
            Event.objects.filter(pk__gt=cursor.last_event_id)
            .order_by("pk")
            .values_list(
                "pk", "type", "at", "conversation_id", "message__sent_at", KT("data__escalation_id")
            )[:limit]
        )
        if not events:
            return 0
        for first, last in _runs(dirty_days([e[1:] for e in events])):
            facts = facts_compute(first=first, last=last)
            _store(facts, first, last, None)
        new_last = _settled_up_to(events, full=len(events) >= limit)
        if new_last > cursor.last_event_id:
            RollupCursor.objects.filter(pk=cursor.pk).update(last_event_id=new_last)
    return len(events)
