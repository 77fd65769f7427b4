"""Escalation rules: matching, raising, levels and acknowledgement.

A rule fires once per conversation per awaiting cycle (a spike rule once
per channel per window). Firing is an ``INSERT ... ON CONFLICT DO NOTHING
RETURNING`` on the unique (rule, trigger_key): of two passes racing on the
same trigger exactly one gets the row back, and only that one acts
(priority, label, team, notifications, events) in the same transaction.
Moving up a level is a conditional update on (id, level), for the same
reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from escalation.models import (
    Escalation,
    EscalationLevel,
    EscalationRule,
    KeywordMatch,
    TargetStage,
)
from escalation.selectors import MESSENGER_WINDOW, messenger_window_closing_q
from escalation.services import history
from escalation.services._conversations import change_event, lock_conversations
from escalation.services._sql import Instant, db_value, insert_rows, refresh_statistics
from escalation.services.notify import (
    Notice,
    channels_seen_by,
    level_recipients,
    may_see,
    notices_send,
)
from events.models import Event
from events.services import event_record, events_record_bulk
from inbox.models import Conversation, Label, Priority, Status

# A misconfigured rule must not flood everyone: at most this many firings
# per rule per pass (the rest fire on the next passes).
MAX_PER_RULE = 500
# After this many new escalations in one pass, refresh the table's statistics.
BURST = 200
_STAGE_MARK: dict[str, str] = {
    TargetStage.WARNING: "warned_cycle",
    TargetStage.BREACHED: "breached_cycle",
    TargetStage.LIMIT: "limit_cycle",
}
_STAGE_TEXT = {
    TargetStage.WARNING: "Response target nearly reached",
    TargetStage.BREACHED: "Response target breached",
    TargetStage.LIMIT: "Outer response limit breached",
}


@dataclass(frozen=True)
class ActiveRule:
    """A rule with what the pass needs, loaded once."""

    rule: EscalationRule
    channel_ids: frozenset[int] | None  # None: every channel
    levels: tuple[EscalationLevel, ...]

    def covers(self, channel_id: int) -> bool:
        return self.channel_ids is None or channel_id in self.channel_ids

    def level(self, number: int) -> EscalationLevel | None:
        return next((lv for lv in self.levels if lv.number == number), None)

    def next_level(self, number: int) -> EscalationLevel | None:
        return next((lv for lv in self.levels if lv.number > number), None)


def rules_active() -> list[ActiveRule]:
    levels = EscalationLevel.objects.prefetch_related("users", "teams").order_by("number")
    rules = EscalationRule.objects.filter(is_active=True).prefetch_related(
        "channels", "keyword_lists", Prefetch("levels", queryset=levels)
    )
    return [_active(rule) for rule in rules]


def _active(rule: EscalationRule) -> ActiveRule:
    channel_ids = frozenset(c.pk for c in rule.channels.all())
    return ActiveRule(rule=rule, channel_ids=channel_ids or None, levels=tuple(rule.levels.all()))


def _cycle_key(conversation_id: int, cycle: datetime) -> str:
    return f"c{conversation_id}:{cycle.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}"


# --- keywords ---------------------------------------------------------------------------


def keyword_matches_record(
    *, messages: Sequence[dict[str, Any]], rules: Sequence[ActiveRule]
) -> int:
    """Remember which inbound messages match which rule's phrases (idempotent:
    unique per rule and message). Returns how many new matches were stored."""
    patterns = [(r, p) for r in rules if (p := r.rule.keyword_pattern()) is not None]
    rows = []
    for msg in messages:
        for active, pattern in patterns:
            if not active.covers(msg["channel_id"]):
                continue
            found = pattern.search(msg["text"] or "")
            if found:
                rows.append(
                    {
                        "rule_id": active.rule.pk,
                        "conversation_id": msg["conversation_id"],
                        "message_id": msg["pk"],
                        "message_sent_at": msg["sent_at"],
                        "phrase": found.group(0)[:200],
                    }
                )
    return len(insert_rows(KeywordMatch, rows))


# --- which conversations a rule fires on -------------------------------------------------


def _matching(active: ActiveRule, now: datetime) -> tuple[QuerySet[Conversation], str]:
    """Open, awaiting conversations meeting every condition of the rule, and
    the field that names their cycle. History (a cycle that started before
    the channel went live, with nothing written since) pages nobody."""
    rule = active.rule
    qs = (
        Conversation.objects.exclude(status=Status.RESOLVED)
        .filter(awaiting_since__isnull=False)
        .alias(**history.live_aliases())
        .filter(history.live_cycle_q())
    )
    if active.channel_ids is not None:
        qs = qs.filter(channel_id__in=active.channel_ids)
    cycle = "awaiting_since"
    if rule.target_stage:
        mark = f"escalation_target__{_STAGE_MARK[rule.target_stage]}"
        qs = qs.alias(stage_cycle=Instant(mark)).filter(stage_cycle=Instant(cycle))
    if rule.phrases():
        qs = qs.filter(
            Exists(
                KeywordMatch.objects.filter(rule_id=rule.pk, conversation=OuterRef("pk"))
                .alias(sent=Instant("message_sent_at"))
                .filter(sent__gte=Instant(OuterRef("awaiting_since")))
            )
        )
    if rule.min_followers is not None or rule.verified_author:
        author = Q(pk__in=[])
        if rule.min_followers is not None:
            author |= Q(contact__followers_count__gte=rule.min_followers)
        if rule.verified_author:
            author |= Q(contact__verified=True)
        qs = qs.filter(author)
    if rule.detractor:
        qs = qs.filter(contact__is_detractor=True)
    if rule.min_priority is not None:
        qs = qs.filter(priority__gte=rule.min_priority)
    if rule.messenger_window_hours:
        # Keyed by the last inbound: a citizen writing again opens a new window.
        cycle = "last_inbound_at"
        qs = qs.filter(
            messenger_window_closing_q(now=now, within=timedelta(hours=rule.messenger_window_hours))
        )
    return qs, cycle


def _candidates(active: ActiveRule, now: datetime) -> list[Mapping[str, Any]]:
    """Up to MAX_PER_RULE conversations the rule has not fired on this cycle.

    The "not fired yet" test is done apart, by indexed lookups of the
    matching ids, rather than as NOT EXISTS in the same query: Postgres
    misjudges how many conversations match a cycle-equals-stage join (it
    guesses one where there are thousands) and then plans the anti-join as
    a nested loop over every escalation of the rule, which at 20k matches
    takes seconds. This shape costs the same whatever the estimates."""
    qs, cycle = _matching(active, now)
    matching = list(qs.order_by("pk").values_list("pk", cycle))
    fired: set[tuple[int, datetime]] = set()
    for start in range(0, len(matching), 5000):
        ids = [pk for pk, _ in matching[start : start + 5000]]
        fired.update(
            Escalation.objects.filter(rule_id=active.rule.pk, conversation_id__in=ids).values_list(
                "conversation_id", "cycle"
            )
        )
    todo = [pk for pk, at in matching if (pk, at) not in fired][:MAX_PER_RULE]
    if not todo:
        return []
    return list(
        Conversation.objects.filter(pk__in=todo)
        .order_by("pk")
        .values(
            "pk",
            "channel_id",
            "priority",
            "last_inbound_at",
            "reply_window_closes_at",
            "contact__followers_count",
            "contact__verified",
            cycle=F(cycle),
        )
    )


def _reason(rule: EscalationRule, row: Mapping[str, Any], phrase: str | None) -> str:
    parts = []
    if rule.target_stage:
        parts.append(_STAGE_TEXT[TargetStage(rule.target_stage)])
    if phrase:
        parts.append(f"Matched “{phrase}”")
    if rule.min_followers is not None or rule.verified_author:
        if rule.verified_author and row["contact__verified"]:
            parts.append("Verified author")
        else:
            parts.append(f"Author has {row['contact__followers_count']:,} followers")
    if rule.detractor:
        parts.append("Author flagged as a detractor")
    if rule.min_priority is not None:
        parts.append(f"Priority {Priority(row['priority']).label.lower()}")
    if rule.messenger_window_hours and row["last_inbound_at"]:
        closes = row["reply_window_closes_at"] or row["last_inbound_at"] + MESSENGER_WINDOW
        parts.append(f"Messenger reply window closes at {closes:%H:%M} UTC")
    return "; ".join(parts)[:300]


def _phrases(rule_id: int, rows: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """The first matching phrase of the current cycle per conversation (one query)."""
    found: dict[int, str] = {}
    for conv_id, phrase in (
        KeywordMatch.objects.filter(rule_id=rule_id, conversation_id__in=[r["pk"] for r in rows])
        .order_by("message_sent_at")
        .values_list("conversation_id", "phrase")
    ):
        found.setdefault(conv_id, phrase)
    return found


def rules_evaluate(*, rules: Sequence[ActiveRule], now: datetime) -> list[int]:
    """Fire every active rule on what it matches now; returns new escalation ids."""
    raised: list[int] = []
    for active in rules:
        if active.rule.is_spike_rule:
            raised += _evaluate_spike(active, now)
            continue
        rows = _candidates(active, now)
        if rows:
            raised += _raise(active, rows, now)
    if len(raised) >= BURST:
        refresh_statistics(Escalation)
    return raised


def _raise(active: ActiveRule, rows: Sequence[Mapping[str, Any]], now: datetime) -> list[int]:
    rule = active.rule
    phrases = _phrases(rule.pk, rows) if rule.phrases() else {}
    first = active.levels[0] if active.levels else None
    due = now + timedelta(minutes=first.ack_minutes) if first else None
    with transaction.atomic():
        created = insert_rows(
            Escalation,
            [
                {
                    "rule_id": rule.pk,
                    "conversation_id": r["pk"],
                    "channel_id": r["channel_id"],
                    "trigger_key": _cycle_key(r["pk"], r["cycle"]),
                    "cycle": r["cycle"],
                    "reason": _reason(rule, r, phrases.get(r["pk"])) or rule.name,
                    "level": first.number if first else 1,
                    "raised_at": now,
                    "level_due_at": due,
                    "acknowledged_at": None,
                    "acknowledged_by_id": None,
                }
                for r in rows
            ],
            returning=("id", "conversation_id"),
        )
        if not created:
            return []
        conv_ids = [conv_id for _id, conv_id in created]
        changes = _apply_actions(rule, conv_ids, now)
        escalations = Escalation.objects.filter(pk__in=[pk for pk, _ in created]).select_related(
            "channel"
        )
        events_record_bulk(
            events=[
                _raised_event(
                    esc,
                    rule,
                    changes.get(esc.conversation_id, {}) if esc.conversation_id else {},
                    now,
                )
                for esc in escalations
            ]
        )
        if first:
            _notify_level(list(escalations), active, first)
        if rule.raise_open_escalations:
            _raise_others(rule.pk, conv_ids, now)
    return [pk for pk, _ in created]


def _raised_event(
    esc: Escalation, rule: EscalationRule, changes: dict[str, Any], now: datetime
) -> Event:
    return Event(
        type="escalation.raised",
        at=now,
        channel_id=esc.channel_id,
        conversation_id=esc.conversation_id,
        data={
            "escalation_id": esc.pk,
            "rule_id": rule.pk,
            "rule": rule.name,
            "reason": esc.reason,
            "level": esc.level,
            **changes,
        },
    )


# --- actions -------------------------------------------------------------------------------


def _apply_actions(
    rule: EscalationRule, conv_ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """Raise priority, add the label, reassign the team; one Event per change.
    Returns, per conversation, what changed (for the escalation event)."""
    if rule.set_priority is None and not rule.add_label_id and not rule.assign_team_id:
        return {}
    lock_conversations(conv_ids)
    changes: dict[int, dict[str, Any]] = {}
    events: list[Event] = []
    convs = {
        c["pk"]: c
        for c in Conversation.objects.filter(pk__in=conv_ids).values(
            "pk", "channel_id", "priority", "team_id"
        )
    }
    if rule.set_priority is not None:
        lower = [pk for pk, c in convs.items() if c["priority"] < rule.set_priority]
        Conversation.objects.filter(pk__in=lower).update(priority=rule.set_priority)
        for pk in lower:
            changes.setdefault(pk, {})["priority"] = rule.set_priority
            events.append(
                change_event(
                    "conversation.priority_changed",
                    convs[pk],
                    now,
                    {"from": convs[pk]["priority"], "to": rule.set_priority, "rule_id": rule.pk},
                )
            )
    if rule.add_label_id:
        through = Conversation.labels.through
        have = set(
            through.objects.filter(
                conversation_id__in=conv_ids, label_id=rule.add_label_id
            ).values_list("conversation_id", flat=True)
        )
        missing = [pk for pk in conv_ids if pk not in have]
        through.objects.bulk_create(
            [through(conversation_id=pk, label_id=rule.add_label_id) for pk in missing],
            ignore_conflicts=True,
        )
        name = Label.objects.filter(pk=rule.add_label_id).values_list("name", flat=True).first()
        for pk in missing:
            changes.setdefault(pk, {})["label"] = name
            events.append(
                change_event(
                    "conversation.labelled",
                    convs[pk],
                    now,
                    {"label": name, "label_id": rule.add_label_id, "rule_id": rule.pk},
                )
            )
    if rule.assign_team_id:
        events += _assign_team(rule, convs, changes, now)
    events_record_bulk(events=events)
    return changes


def _assign_team(
    rule: EscalationRule,
    convs: Mapping[int, Mapping[str, Any]],
    changes: dict[int, dict[str, Any]],
    now: datetime,
) -> list[Event]:
    if rule.assign_team is None:
        return []
    # Only where the team covers the channel: otherwise its members could not
    # even see the conversation they were handed.
    covered = set(rule.assign_team.channels.values_list("pk", flat=True))
    moving = [
        pk
        for pk, c in convs.items()
        if c["channel_id"] in covered and c["team_id"] != rule.assign_team_id
    ]
    Conversation.objects.filter(pk__in=moving).update(team_id=rule.assign_team_id)
    events = []
    for pk in moving:
        changes.setdefault(pk, {})["team"] = rule.assign_team_id
        events.append(
            change_event(
                "conversation.assigned",
                convs[pk],
                now,
                {
                    "from": {"team": convs[pk]["team_id"]},
                    "team": rule.assign_team_id,
                    "rule_id": rule.pk,
                },
            )
        )
    return events


def _raise_others(rule_id: int, conv_ids: list[int], now: datetime) -> None:
    """The "escalate to next level" action: open escalations of other rules
    on these conversations move up one level now."""
    others = list(
        Escalation.objects.filter(conversation_id__in=conv_ids, acknowledged_at__isnull=True)
        .exclude(rule_id=rule_id)
        .select_related("channel")
    )
    rules = {r.rule.pk: r for r in _rules_for([e.rule_id for e in others])}
    for (rule_id, level), group in _grouped(others).items():
        nxt = rules[rule_id].next_level(level)
        if nxt is not None:
            _move_up(group, rules[rule_id], nxt, now, actor=None, reason="raised by rule")


# --- notifications ---------------------------------------------------------------------------


def _url(esc: Escalation) -> str:
    if esc.conversation_id:
        return reverse("inbox:conversation", args=[esc.conversation_id])
    return reverse("escalation:index")


def _notify_level(
    escalations: Sequence[Escalation], active: ActiveRule, level: EscalationLevel
) -> int:
    """Tell a level about escalations (select_related ``channel``): everyone on
    it who may see the channel, once per escalation and level."""
    wanted = level_recipients(level)
    seen = channels_seen_by(wanted)
    subject = f"SocialDesk escalation: {active.rule.name}" if active.rule.notify_email else ""
    notices = [
        Notice(
            user_id=uid,
            text=f"Escalation (level {level.number}, {level.name}): {active.rule.name} on "
            f"{esc.channel.name}. {esc.reason}",
            url=_url(esc),
            dedupe_key=f"esc:{esc.pk}:L{level.number}",
            email_subject=subject,
        )
        for esc in escalations
        for uid in sorted(wanted)
        if may_see(seen, uid, esc.channel_id)
    ]
    return len(notices_send(notices))


# --- spikes ----------------------------------------------------------------------------------


def _evaluate_spike(active: ActiveRule, now: datetime) -> list[int]:
    rule = active.rule
    window = timedelta(minutes=rule.spike_minutes or 0)  # spike rules always set it
    since = now - window
    # Volume is what the public posted in the window: history arriving late (a
    # channel's import on connect, the first poll after an outage) is no spike.
    # Ingest writes sent_at as UTC ISO text, so text order is time order.
    counts = (
        Event.objects.filter(type="message.received", at__gt=since)
        .alias(sent=Cast(KT("data__sent_at"), TextField()))
        .filter(sent__gt=since.astimezone(UTC).isoformat())
    )
    if active.channel_ids is not None:
        counts = counts.filter(channel_id__in=active.channel_ids)
    spiking = list(
        counts.values("channel_id")
        .annotate(n=Count("id"))
        .filter(n__gte=rule.spike_count)
        .values_list("channel_id", "n")
    )
    if not spiking:
        return []
    recent = set(
        Escalation.objects.filter(
            rule_id=rule.pk, conversation__isnull=True, raised_at__gt=now - window
        ).values_list("channel_id", flat=True)
    )
    seconds = int(window.total_seconds())
    bucket = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)
    first = active.levels[0] if active.levels else None
    rows = [
        {
            "rule_id": rule.pk,
            "conversation_id": None,
            "channel_id": channel_id,
            "trigger_key": f"spike:{channel_id}:{bucket:%Y%m%dT%H%M%SZ}",
            "cycle": bucket,
            "reason": f"{n} inbound messages in {rule.spike_minutes} minutes",
            "level": first.number if first else 1,
            "raised_at": now,
            "level_due_at": now + timedelta(minutes=first.ack_minutes) if first else None,
            "acknowledged_at": None,
            "acknowledged_by_id": None,
        }
        for channel_id, n in spiking
        if channel_id is not None and channel_id not in recent
    ]
    with transaction.atomic():
        created = [pk for (pk,) in insert_rows(Escalation, rows)]
        escalations = Escalation.objects.filter(pk__in=created).select_related("channel")
        events_record_bulk(events=[_raised_event(e, rule, {}, now) for e in escalations])
        if first:
            _notify_level(list(escalations), active, first)
    return created


# --- levels and acknowledgement ----------------------------------------------------------------


def _rules_for(rule_ids: Sequence[int]) -> list[ActiveRule]:
    levels = EscalationLevel.objects.prefetch_related("users", "teams").order_by("number")
    return [
        _active(rule)
        for rule in EscalationRule.objects.filter(pk__in=set(rule_ids)).prefetch_related(
            "channels", Prefetch("levels", queryset=levels)
        )
    ]


def _grouped(escalations: Sequence[Escalation]) -> dict[tuple[int, int], list[Escalation]]:
    groups: dict[tuple[int, int], list[Escalation]] = {}
    for esc in escalations:
        groups.setdefault((esc.rule_id, esc.level), []).append(esc)
    return groups


def _claim_update(
    ids: list[int], level: int, sets: str, params: list[Any], *, waiting: bool = False
) -> list[int]:
    """``UPDATE ... SET <sets> WHERE id IN ids AND level = level AND not
    acknowledged [AND still on a clock] RETURNING id``: the rows this call
    changed, i.e. the claim. The WHERE must be false once the SET is done,
    or a concurrent pass would claim the same row again."""
    if not ids:
        return []
    q = connection.ops.quote_name
    table = q(Escalation._meta.db_table)
    marks = ",".join(["%s"] * len(ids))
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET {sets} WHERE id IN ({marks}) AND level = %s "  # noqa: S608
            "AND acknowledged_at IS NULL"
            + (" AND level_due_at IS NOT NULL" if waiting else "")
            + " RETURNING id",
            [*params, *ids, level],
        )
        return [row[0] for row in cur.fetchall()]


def _move_up(
    escalations: Sequence[Escalation],
    active: ActiveRule,
    nxt: EscalationLevel,
    now: datetime,
    *,
    actor: User | None,
    reason: str,
) -> int:
    """Move escalations of one rule at one level up to ``nxt``: a conditional
    update claims them, then the events and the new level's notices. Call
    inside a transaction."""
    level = escalations[0].level
    due = now + timedelta(minutes=nxt.ack_minutes)
    moved = set(
        _claim_update(
            [e.pk for e in escalations],
            level,
            "level = %s, level_due_at = %s",
            [nxt.number, db_value(Escalation, "level_due_at", due)],
        )
    )
    claimed = [e for e in escalations if e.pk in moved]
    for esc in claimed:
        esc.level, esc.level_due_at = nxt.number, due
    events = [
        Event(
            type="escalation.level_raised",
            at=now,
            actor=actor,
            channel_id=esc.channel_id,
            conversation_id=esc.conversation_id,
            data={
                "escalation_id": esc.pk,
                "rule_id": esc.rule_id,
                "from": level,
                "to": nxt.number,
                "level_name": nxt.name,
                "reason": reason,
            },
        )
        for esc in claimed
    ]
    if actor is None:
        events_record_bulk(events=events)
    else:  # a person: through event_record, which notes where they acted from
        for esc, e in zip(claimed, events, strict=True):
            event_record(
                type=e.type,
                at=now,
                actor=actor,
                channel=e.channel_id,
                conversation=esc.conversation,
                data=e.data,
            )
    if claimed:
        _notify_level(claimed, active, nxt)
    return len(claimed)


def _stand_down(escalations: Sequence[Escalation], resolved: bool, now: datetime) -> None:
    """Stop the clock on escalations that cannot climb (top level reached, or
    the conversation resolved): said once, by whichever pass claims it."""
    stopped = set(
        _claim_update(
            [e.pk for e in escalations],
            escalations[0].level,
            "level_due_at = NULL",
            [],
            waiting=True,
        )
    )
    events_record_bulk(
        events=[
            Event(
                type="escalation.stood_down" if resolved else "escalation.unacknowledged",
                at=now,
                channel_id=esc.channel_id,
                conversation_id=esc.conversation_id,
                data={"escalation_id": esc.pk, "rule_id": esc.rule_id, "level": esc.level},
            )
            for esc in escalations
            if esc.pk in stopped
        ]
    )


def escalations_level_up(*, now: datetime) -> int:
    """Move every escalation whose acknowledgement time ran out up a level,
    a group (rule, level) at a time. At the top level it stays open (and
    says so once); on a resolved conversation it stands down."""
    due = list(
        Escalation.objects.filter(acknowledged_at__isnull=True, level_due_at__lte=now)
        .select_related("channel", "conversation")
        .order_by("level_due_at")[:2000]
    )
    if not due:
        return 0
    rules = {r.rule.pk: r for r in _rules_for([e.rule_id for e in due])}
    moved = 0
    for (rule_id, level), group in _grouped(due).items():
        nxt = rules[rule_id].next_level(level)
        resolved = [
            e
            for e in group
            if e.conversation is not None and e.conversation.status == Status.RESOLVED
        ]
        climbing = [e for e in group if e not in resolved] if nxt else []
        stuck = [e for e in group if e not in resolved and e not in climbing]
        with transaction.atomic():
            if climbing and nxt is not None:
                moved += _move_up(
                    climbing, rules[rule_id], nxt, now, actor=None, reason="not acknowledged"
                )
            if resolved:
                _stand_down(resolved, True, now)
            if stuck:
                _stand_down(stuck, False, now)
    return moved


def _ensure_can_see(actor: User, esc: Escalation) -> None:
    if esc.conversation_id and esc.conversation is not None:
        access.ensure_can_act(actor, esc.conversation)
    elif not access.can_act_on_channel(actor, esc.channel):
        raise PermissionDenied("You do not act on this channel.")


def escalation_acknowledge(*, escalation: Escalation, actor: User) -> Escalation:
    """Someone has it: stop the climb. Acknowledging twice is one acknowledgement."""
    _ensure_can_see(actor, escalation)
    now = timezone.now()
    with transaction.atomic():
        won = Escalation.objects.filter(pk=escalation.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor, level_due_at=None
        )
        if won:
            event_record(
                type="escalation.acknowledged",
                at=now,
                actor=actor,
                channel=escalation.channel_id,
                conversation=escalation.conversation,
                data={
                    "escalation_id": escalation.pk,
                    "rule_id": escalation.rule_id,
                    "level": escalation.level,
                },
            )
            actor.notifications.filter(
                dedupe_key__startswith=f"esc:{escalation.pk}:", read_at__isnull=True
            ).update(read_at=now)
    escalation.refresh_from_db()
    return escalation


def escalation_raise_level(*, escalation: Escalation, actor: User) -> Escalation:
    """A person escalates now, without waiting for the timeout."""
    _ensure_can_see(actor, escalation)
    if escalation.acknowledged_at is not None:
        raise ValidationError("This escalation has already been acknowledged.")
    active = _rules_for([escalation.rule_id])[0]
    nxt = active.next_level(escalation.level)
    if nxt is None:
        raise ValidationError("This escalation is already at its top level.")
    with transaction.atomic():
        _move_up([escalation], active, nxt, timezone.now(), actor=actor, reason="raised by hand")
    escalation.refresh_from_db()
    return escalation
