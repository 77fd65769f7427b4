"""The evaluation pass Celery beat runs every minute.

One pass: recompute the due times that changed, write target warning and
breach events, scan new inbound messages (keyword matches, crisis routing,
out-of-hours replies, detractors), fire the rules, and move unacknowledged
escalations up a level. Every step is set-based (a query per step, not per
conversation) and every effect is claimed by a unique key or a conditional
update, so two passes at once, or a pass re-run after a crash, do nothing
twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from escalation.models import ScanCursor, StaffedHours
from escalation.selectors import crisis_for_channels
from escalation.services import autoreply, contacts, crisis, rules, targets
from inbox.models import Direction, Message

CURSOR = "messages"
# The cursor only passes messages received this long ago, so an ingest
# transaction that commits a lower id late is still scanned.
SCAN_LAG = timedelta(minutes=5)
SCAN_CHUNK = 2000
_FIELDS = (
    "pk",
    "channel_id",
    "conversation_id",
    "author_contact_id",
    "text",
    "sent_at",
    "received_at",
    "conversation__kind",
    "author_contact__blocked",
)


@dataclass
class EvaluationResult:
    targets_recomputed: int = 0
    stage_events: dict[str, int] = field(default_factory=dict)
    messages_scanned: int = 0
    keyword_matches: int = 0
    crisis_routed: int = 0
    autoreplies: int = 0
    detractors: int = 0
    escalations_raised: int = 0
    levels_raised: int = 0
    seconds: float = 0.0


def _hours() -> dict[int, autoreply.ChannelHours]:
    return {
        h.channel_id: autoreply.ChannelHours(hours=h, schedule=h.schedule())
        for h in StaffedHours.objects.prefetch_related("intervals", "exceptions")
    }


def _scan_batches(now: datetime):
    """Inbound messages past the cursor, in id order, in chunks; then move
    the cursor past those received more than SCAN_LAG ago (and only up to
    the first newer one)."""
    cursor, _ = ScanCursor.objects.get_or_create(name=CURSOR)
    after = settled = cursor.last_message_id
    blocked = False
    while True:
        chunk = list(
            Message.objects.filter(pk__gt=after, direction=Direction.IN)
            .order_by("pk")
            .values(*_FIELDS)[:SCAN_CHUNK]
        )
        if not chunk:
            break
        yield chunk
        for msg in chunk:
            if blocked or msg["received_at"] > now - SCAN_LAG:
                blocked = True
            else:
                settled = msg["pk"]
        after = chunk[-1]["pk"]
    ScanCursor.objects.filter(name=CURSOR, last_message_id__lt=settled).update(
        last_message_id=settled
    )


def _scan(
    now: datetime,
    active_rules: list[rules.ActiveRule],
    hours: dict[int, autoreply.ChannelHours],
    result: EvaluationResult,
) -> None:
    crises = crisis_for_channels()
    for chunk in _scan_batches(now):
        result.messages_scanned += len(chunk)
        result.keyword_matches += rules.keyword_matches_record(messages=chunk, rules=active_rules)
        if crises:
            result.crisis_routed += crisis.crisis_route(messages=chunk, crises=crises, now=now)
        result.autoreplies += autoreply.out_of_hours_replies(
            messages=chunk, hours=hours, crises=crises, now=now
        )
        senders = {m["author_contact_id"] for m in chunk if m["author_contact_id"]}
        result.detractors += len(contacts.detractors_flag(contact_ids=senders, now=now))


def evaluation_run(*, now: datetime | None = None) -> EvaluationResult:
    """One pass. ``now`` is for tests and the benchmark; the task passes none."""
    started = time.perf_counter()
    now = now or timezone.now()
    result = EvaluationResult()
    hours = _hours()
    result.targets_recomputed = targets.targets_refresh(
        now=now,
        schedules={cid: h.schedule for cid, h in hours.items()},
        policies=targets.policies_load(),
    )
    result.stage_events = {k: len(v) for k, v in targets.targets_claim_stages(now=now).items()}
    active_rules = rules.rules_active()
    _scan(now, active_rules, hours, result)
    result.escalations_raised = len(rules.rules_evaluate(rules=active_rules, now=now))
    result.levels_raised = rules.escalations_level_up(now=now)
    result.seconds = time.perf_counter() - started
    return result
