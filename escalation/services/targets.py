"""Response targets: which policy applies, each open conversation's due
times, and the warning/breach events.

Due times are absolute instants computed once per awaiting cycle (on the
calendar or the channel's staffed clock) and stored in ``ConversationTarget``
(mirrored to ``Conversation.due_at`` for the inbox). The evaluation pass
recomputes only the rows whose conversation changed status, priority or
cycle since, or that a policy/hours change marked stale, so the minute's
work is proportional to what changed, not to the open backlog.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from escalation import clock as business_clock
from escalation.models import Clock, ConversationTarget, CrisisMode, ResponseTarget
from escalation.services import history
from escalation.services._sql import (
    Instant,
    db_value,
    insert_rows,
    refresh_statistics,
    same_instant_sql,
    upsert_conflict,
)
from events.models import Event
from events.services import events_record_bulk
from inbox.models import Conversation, Status
from inbox.services.stamps import channel_stamps_bump

CHUNK = 2000
_EPOCH = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


@dataclass(frozen=True)
class Policy:
    target_seconds: int
    limit_seconds: int
    warning_percent: int
    clock: str


DEFAULT_POLICY = Policy(
    target_seconds=30 * 60, limit_seconds=60 * 60, warning_percent=80, clock=Clock.STAFFED
)


class Policies:
    """Every response-target policy, loaded once per pass. Crisis mode
    tightens the minutes of its channels (never loosens them)."""

    def __init__(self, targets: Iterable[ResponseTarget], crisis: dict[int, tuple[int, int]]):
        self._by_scope = {
            (t.channel_id, t.priority): Policy(
                target_seconds=t.target_minutes * 60,
                limit_seconds=t.limit_minutes * 60,
                warning_percent=t.warning_percent,
                clock=t.clock,
            )
            for t in targets
        }
        self._crisis = crisis

    def for_conversation(self, *, channel_id: int, priority: int) -> Policy:
        policy = DEFAULT_POLICY
        for scope in ((channel_id, priority), (channel_id, None), (None, priority), (None, None)):
            if scope in self._by_scope:
                policy = self._by_scope[scope]
                break
        if channel_id in self._crisis:
            target, limit = self._crisis[channel_id]
            policy = Policy(
                target_seconds=min(policy.target_seconds, target * 60),
                limit_seconds=min(policy.limit_seconds, limit * 60),
                warning_percent=policy.warning_percent,
                clock=policy.clock,
            )
        return policy


def policies_load() -> Policies:
    crisis: dict[int, tuple[int, int]] = {}
    for channel_id, target, limit in CrisisMode.objects.filter(ended_at__isnull=True).values_list(
        "channels", "target_minutes", "limit_minutes"
    ):
        if channel_id is not None:
            old = crisis.get(channel_id, (target, limit))
            crisis[channel_id] = (min(old[0], target), min(old[1], limit))
    return Policies(ResponseTarget.objects.all(), crisis)


class ChannelClocks:
    """One ``Timeline`` per channel over the pass's window, so thousands of
    due times cost a bisect each; anything outside the window falls back
    to the module functions."""

    def __init__(
        self, schedules: dict[int, business_clock.Schedule], start: datetime, end: datetime
    ):
        self.schedules = schedules
        self.start, self.end = start, end
        self._timelines: dict[int, business_clock.Timeline] = {}

    def _timeline(self, channel_id: int) -> business_clock.Timeline:
        if channel_id not in self._timelines:
            self._timelines[channel_id] = business_clock.Timeline(
                hours=self.schedules.get(channel_id), start=self.start, end=self.end
            )
        return self._timelines[channel_id]

    def add(self, channel_id: int, clock: str, start: datetime, seconds: float) -> datetime | None:
        if clock == Clock.CALENDAR or channel_id not in self.schedules:
            return start + timedelta(seconds=seconds)
        if self.start <= start <= self.end:
            found = self._timeline(channel_id).add(start, seconds)
            if found is not None:
                return found
        return business_clock.add_staffed_seconds(
            hours=self.schedules[channel_id], start=start, seconds=seconds
        )

    def elapsed(self, channel_id: int, clock: str, start: datetime, end: datetime) -> float:
        if clock == Clock.CALENDAR or channel_id not in self.schedules:
            return max(0.0, (end - start).total_seconds())
        if self.start <= start and end <= self.end:
            return self._timeline(channel_id).seconds_between(start, end)
        return business_clock.staffed_seconds(
            hours=self.schedules[channel_id], start=start, end=end
        )


# --- keeping due times current --------------------------------------------------------


def targets_invalidate(*, channel_ids: Sequence[int] | None = None) -> int:
    """Mark due times for recomputation after a policy, hours or crisis change
    (all channels when ``channel_ids`` is None). The next pass recomputes."""
    qs = ConversationTarget.objects.all()
    if channel_ids is not None:
        qs = qs.filter(channel_id__in=list(channel_ids))
    return qs.filter(stale=False).update(stale=True)


def _stale_conversations() -> list[tuple]:
    """Open conversations with no target row, or one computed for a different
    status/priority/cycle, or marked stale: one anti-join, not a loop."""
    fresh = (
        ConversationTarget.objects.filter(
            conversation=OuterRef("pk"),
            stale=False,
            status=OuterRef("status"),
            priority=OuterRef("priority"),
        )
        .alias(cs=Instant(Coalesce("cycle_start", _EPOCH)))
        .filter(cs=OuterRef("aw"))
    )
    return list(
        Conversation.objects.exclude(status=Status.RESOLVED)
        .alias(aw=Instant(Coalesce("awaiting_since", _EPOCH)))
        .filter(~Exists(fresh))
        .order_by("pk")
        .values_list("pk", "channel_id", "status", "priority", "awaiting_since")
    )


def _purge_resolved() -> list[int]:
    """Drop the targets of resolved conversations; returns their ids."""
    t = connection.ops.quote_name(ConversationTarget._meta.db_table)
    c = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {t} WHERE EXISTS (SELECT 1 FROM {c} WHERE {c}.id = {t}.conversation_id "  # noqa: S608
            f"AND {c}.status = %s) RETURNING conversation_id",
            [Status.RESOLVED],
        )
        return [row[0] for row in cur.fetchall()]


def _mirror_due(conversation_ids: list[int]) -> None:
    """Copy due_at onto the conversations (for the inbox's sort). Rows are
    locked in pk order first, the order ingest locks them in, so the two
    cannot deadlock."""
    if not conversation_ids:
        return
    with transaction.atomic():
        list(
            Conversation.objects.select_for_update()
            .filter(pk__in=conversation_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # The row's due time changes with no event of its own: move the stamp.
        channel_stamps_bump(
            channel_ids=Conversation.objects.filter(pk__in=conversation_ids)
            .values_list("channel_id", flat=True)
            .distinct()
        )
        Conversation.objects.filter(pk__in=conversation_ids).update(
            due_at=Subquery(
                ConversationTarget.objects.filter(conversation=OuterRef("pk")).values("due_at")[:1]
            )
        )


def _status_changed_at(conversation_ids: list[int]) -> dict[int, datetime]:
    if not conversation_ids:
        return {}
    return dict(
        Event.objects.filter(
            type="conversation.status_changed", conversation_id__in=conversation_ids
        )
        .values("conversation_id")
        .annotate(last=Max("at"))
        .values_list("conversation_id", "last")
    )


def _pause(
    row: tuple,
    old: ConversationTarget | None,
    policy: Policy,
    clocks: ChannelClocks,
    changed_at: datetime | None,
    now: datetime,
) -> tuple[float, datetime | None]:
    """(paused seconds, paused since) for this cycle: time spent pending does
    not count against the target, measured on the policy's own clock."""
    _pk, channel_id, status, _priority, cycle = row
    pending = status == Status.PENDING
    if old is None or old.cycle_start != cycle:
        if pending and cycle is not None:
            return 0.0, max(cycle, min(changed_at or cycle, now))
        return 0.0, None
    paused, since = old.paused_seconds, old.paused_since
    if old.status == Status.PENDING and not pending and since is not None:
        resume = min(max(changed_at or now, since), now)
        return paused + clocks.elapsed(channel_id, policy.clock, since, resume), None
    if old.status != Status.PENDING and pending:
        return paused, max(cycle or now, min(changed_at or now, now))
    return paused, since


def _compute(
    row: tuple,
    old: ConversationTarget | None,
    policies: Policies,
    clocks: ChannelClocks,
    changed_at: datetime | None,
    now: datetime,
    clock_start: datetime | None,
) -> dict[str, Any]:
    """``clock_start`` is when the response clock started: the cycle's start,
    or for a history cycle the first message after the channel went live
    (None: no due times, see ``escalation.services.history``)."""
    pk, channel_id, status, priority, cycle = row
    policy = policies.for_conversation(channel_id=channel_id, priority=priority)
    paused, since = _pause(row, old, policy, clocks, changed_at, now)
    warn = due = limit = None
    if clock_start is not None and status != Status.PENDING:
        warn_seconds = policy.target_seconds * policy.warning_percent / 100
        warn = clocks.add(channel_id, policy.clock, clock_start, warn_seconds + paused)
        due = clocks.add(channel_id, policy.clock, clock_start, policy.target_seconds + paused)
        limit = clocks.add(channel_id, policy.clock, clock_start, policy.limit_seconds + paused)
    return {
        "conversation_id": pk,
        "channel_id": channel_id,
        "status": status,
        "priority": priority,
        "cycle_start": cycle,
        "stale": False,
        "clock": policy.clock,
        "target_seconds": policy.target_seconds,
        "limit_seconds": policy.limit_seconds,
        "warning_percent": policy.warning_percent,
        "paused_seconds": paused,
        "paused_since": since,
        "warn_at": warn,
        "due_at": due,
        "limit_at": limit,
        "computed_at": now,
    }


def _clock_starts(chunk: list[tuple], live: dict[int, datetime]) -> dict[int, datetime | None]:
    """When each row's response clock started: its cycle, or for a history
    cycle its first message after the channel went live (None if none yet)."""
    historic = {r[0] for r in chunk if history.is_history(r[4], live.get(r[1]))}
    resumed = history.first_live_inbound(sorted(historic))
    return {r[0]: resumed.get(r[0]) if r[0] in historic else r[4] for r in chunk}


_UPDATED = [
    "channel_id",
    "status",
    "priority",
    "cycle_start",
    "stale",
    "clock",
    "target_seconds",
    "limit_seconds",
    "warning_percent",
    "paused_seconds",
    "paused_since",
    "warn_at",
    "due_at",
    "limit_at",
    "computed_at",
]


def targets_refresh(
    *, now: datetime, schedules: dict[int, business_clock.Schedule], policies: Policies
) -> int:
    """Recompute the due times of every open conversation that changed.
    Returns how many rows were (re)computed. Safe to run concurrently: each
    row is an upsert of values computed from one snapshot, and a row that
    changed meanwhile no longer matches its snapshot and is redone next pass."""
    _mirror_due(_purge_resolved())
    history.history_targets_wake()
    stale = _stale_conversations()
    if not stale:
        return 0
    live = history.channels_live_since()
    earliest = min((r[4] for r in stale if r[4] is not None), default=now)
    clocks = ChannelClocks(
        schedules,
        start=max(earliest, now - timedelta(days=60)) - timedelta(days=1),
        end=now + timedelta(days=40),
    )
    for start in range(0, len(stale), CHUNK):
        chunk = stale[start : start + CHUNK]
        ids = [r[0] for r in chunk]
        old = ConversationTarget.objects.in_bulk(ids)
        pausing = [
            r[0]
            for r in chunk
            if (r[2] == Status.PENDING)
            != (old[r[0]].status == Status.PENDING if r[0] in old else False)
        ]
        changed = _status_changed_at(pausing)
        starts = _clock_starts(chunk, live)
        rows = [
            _compute(r, old.get(r[0]), policies, clocks, changed.get(r[0]), now, starts.get(r[0]))
            for r in chunk
        ]
        with transaction.atomic():
            insert_rows(
                ConversationTarget,
                rows,
                returning=("conversation_id",),
                conflict=upsert_conflict(
                    ConversationTarget, key="conversation_id", update=_UPDATED
                ),
            )
        _mirror_due(ids)
    if len(stale) >= 5 * CHUNK:
        refresh_statistics(ConversationTarget)
    return len(stale)


# --- stage events ------------------------------------------------------------------------

# Highest first, so a conversation found already past its limit gets one
# event (the limit), not three.
_STAGES = (
    ("target.limit_breached", "limit_at", ("limit_cycle", "breached_cycle", "warned_cycle")),
    ("target.breached", "due_at", ("breached_cycle", "warned_cycle")),
    ("target.warning", "warn_at", ("warned_cycle",)),
)


def _claim_stage(at_column: str, marks: Sequence[str], now: datetime) -> list[int]:
    """Mark a stage as reached for this cycle on every row past its time whose
    conversation is still as computed; returns the rows this call marked."""
    q = connection.ops.quote_name
    t = q(ConversationTarget._meta.db_table)
    c = q(Conversation._meta.db_table)
    sets = ", ".join(f"{q(m)} = cycle_start" for m in marks)
    sql = (
        f"UPDATE {t} SET {sets} WHERE {q(at_column)} <= %s AND cycle_start IS NOT NULL "  # noqa: S608
        f"AND ({q(marks[0])} IS NULL OR {q(marks[0])} <> cycle_start) AND stale = %s "
        f"AND EXISTS (SELECT 1 FROM {c} WHERE {c}.id = {t}.conversation_id "
        f"AND {same_instant_sql(f'{c}.awaiting_since', f'{t}.cycle_start')} "
        f"AND {c}.status = {t}.status) "
        "RETURNING conversation_id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [db_value(ConversationTarget, at_column, now), False])
        return [row[0] for row in cur.fetchall()]


def targets_claim_stages(*, now: datetime) -> dict[str, list[int]]:
    """Write ``target.limit_breached`` / ``target.breached`` / ``target.warning``
    once per conversation per cycle. The claim and its events commit together."""
    claimed: dict[str, list[int]] = {}
    for event_type, at_column, marks in _STAGES:
        with transaction.atomic():
            ids = _claim_stage(at_column, marks, now)
            if not ids:
                continue
            claimed[event_type] = ids
            rows = ConversationTarget.objects.filter(pk__in=ids).values(
                "conversation_id",
                "channel_id",
                "cycle_start",
                "clock",
                "target_seconds",
                "limit_seconds",
                at_column,
            )
            events_record_bulk(
                events=[
                    Event(
                        type=event_type,
                        at=now,
                        channel_id=r["channel_id"],
                        conversation_id=r["conversation_id"],
                        data={
                            "cycle_start": r["cycle_start"].isoformat(),
                            "at": r[at_column].isoformat() if r[at_column] else None,
                            "clock": r["clock"],
                            "target_minutes": r["target_seconds"] // 60,
                            "limit_minutes": r["limit_seconds"] // 60,
                        },
                    )
                    for r in rows
                ],
                batch_size=500,
            )
    return claimed
