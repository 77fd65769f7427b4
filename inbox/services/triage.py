"""Triage from the conversation header: priority, snooze and wake, the label
set, and labels managers create inline. Each checks the access rule, then
writes its change and its Event in one transaction (the event's trigger moves
the channel's change stamp, so the next list poll redraws)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import access
from accounts.models import User
from events.models import Event
from events.services import event_record, events_record_bulk
from inbox.models import Conversation, Label, Priority, Status
from inbox.services.actions import _locked, conversation_label
from socialdesk.text import validate_single_line

# Further than this is a forgotten conversation, not a snoozed one.
MAX_SNOOZE = timedelta(days=90)
# The wake sweep takes at most this many per run; the next run takes the rest.
WAKE_BATCH = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# Where the working day starts when someone snoozes "until tomorrow".
MORNING = time(9, 0)


def snooze_preset_until(preset: str, *, now: datetime | None = None) -> datetime:
    """The time a snooze preset means, in the organisation's time zone:
    ``1h``, ``3h``, ``tomorrow`` (9:00) or ``monday`` (the next Monday, 9:00)."""
    now = timezone.localtime(now or timezone.now())
    if preset in ("1h", "3h"):
        return now + timedelta(hours=int(preset[0]))
    if preset == "tomorrow":
        day = now.date() + timedelta(days=1)
    elif preset == "monday":
        day = now.date() + timedelta(days=7 - now.weekday())
    else:
        raise ValidationError(f"Unknown snooze {preset!r}.")
    return timezone.make_aware(datetime.combine(day, MORNING), now.tzinfo)


def conversation_set_priority(
    *, conversation: Conversation, actor: User, priority: int
) -> Conversation:
    access.ensure_can_act(actor, conversation)
    if priority not in Priority.values:
        raise ValidationError(f"Unknown priority {priority!r}.")
    with transaction.atomic():
        conv = _locked(conversation)
        previous = conv.priority
        if previous == priority:
            return conv
        conv.priority = priority
        conv.save(update_fields=["priority"])
        event_record(
            type="conversation.priority_changed",
            actor=actor,
            conversation=conv,
            data={"from": previous, "to": priority},
        )
    return conv


def conversation_snooze(
    *, conversation: Conversation, actor: User, until: datetime
) -> Conversation:
    """Out of the open views until ``until`` (an aware time), or until the
    citizen writes again. Snoozing again moves the time."""
    access.ensure_can_act(actor, conversation)
    if timezone.is_naive(until):
        raise ValidationError("A snooze time needs a time zone.")
    now = timezone.now()
    if until <= now:
        raise ValidationError("Choose a time in the future to snooze until.")
    if until > now + MAX_SNOOZE:
        raise ValidationError(f"Snooze for at most {MAX_SNOOZE.days} days.")
    with transaction.atomic():
        conv = _locked(conversation)
        if conv.status == Status.RESOLVED:
            raise ValidationError("A resolved conversation cannot be snoozed.")
        previous = conv.snoozed_until
        conv.snoozed_until = until
        conv.save(update_fields=["snoozed_until"])
        event_record(
            type="conversation.snoozed",
            actor=actor,
            conversation=conv,
            data={"until": _iso(until), "from": _iso(previous)},
        )
    return conv


def conversation_wake(*, conversation: Conversation, actor: User) -> Conversation:
    """End a snooze by hand (nothing happens if it is not snoozed)."""
    access.ensure_can_act(actor, conversation)
    with transaction.atomic():
        conv = _locked(conversation)
        if conv.snoozed_until is None:
            return conv
        until = conv.snoozed_until
        conv.snoozed_until = None
        conv.save(update_fields=["snoozed_until"])
        event_record(
            type="conversation.woken",
            actor=actor,
            conversation=conv,
            data={"reason": "by hand", "snoozed_until": _iso(until)},
        )
    return conv


def conversations_wake_due(*, now: datetime | None = None, limit: int = WAKE_BATCH) -> int:
    """Wake every conversation whose snooze time has come (the beat task).
    Rows are claimed with ``SKIP LOCKED`` and cleared by a conditional update,
    so two sweeps at once wake each conversation once, with one event."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Conversation.objects.select_for_update(skip_locked=True)
            .filter(snoozed_until__lte=now)
            .order_by("snoozed_until", "pk")
            .values_list("pk", "channel_id", "snoozed_until")[:limit]
        )
        if not due:
            return 0
        Conversation.objects.filter(pk__in=[pk for pk, _, _ in due], snoozed_until__lte=now).update(
            snoozed_until=None
        )
        events_record_bulk(
            events=[
                Event(
                    type="conversation.woken",
                    at=now,
                    conversation_id=pk,
                    channel_id=channel_id,
                    data={
                        "reason": "snooze ended",
                        "snoozed_until": _iso(until),
                        "target": f"conversation:{pk}",
                    },
                )
                for pk, channel_id, until in due
            ]
        )
    return len(due)


def conversation_labels_set(
    *, conversation: Conversation, actor: User, labels: Iterable[Label]
) -> Conversation:
    """Make the conversation's labels exactly ``labels``: one
    ``conversation.labelled`` or ``conversation.unlabelled`` event per change."""
    access.ensure_can_act(actor, conversation)
    wanted = {label.pk: label for label in labels}
    with transaction.atomic():
        conv = _locked(conversation)
        current = {label.pk: label for label in conv.labels.all()}
        added = [wanted[pk] for pk in sorted(wanted.keys() - current.keys())]
        removed = [current[pk] for pk in sorted(current.keys() - wanted.keys())]
        if added:
            conv.labels.add(*added)
        if removed:
            conv.labels.remove(*removed)
        for label, verb in [(lb, "labelled") for lb in added] + [
            (lb, "unlabelled") for lb in removed
        ]:
            event_record(
                type=f"conversation.{verb}",
                actor=actor,
                conversation=conv,
                data={"label": label.name, "label_id": label.pk},
            )
    return conv


def label_create(*, actor: User, name: str) -> Label:
    """A new label everyone can use. Managers and admins only: labels are
    shared, and a KPI filter or rule may depend on their names."""
    if not access.is_manager_or_admin(actor):
        raise PermissionDenied("Only managers create labels.")
    validate_single_line(name)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A label needs a name.")
    if len(name) > Label._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError("A label name can be at most 60 characters.")
    if Label.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"There is already a label “{name}”.")
    try:
        with transaction.atomic():
            label = Label.objects.create(name=name)
            event_record(
                type="label.created",
                actor=actor,
                data={"label": label.name, "label_id": label.pk, "target": f"label:{label.pk}"},
            )
    except IntegrityError as exc:  # a colleague created it a moment ago
        raise ValidationError(f"There is already a label “{name}”.") from exc
    return label


def conversation_label_create(*, conversation: Conversation, actor: User, name: str) -> Label:
    """Create a label inline from a conversation and put it on it (managers
    only, as ``label_create``): two events, one transaction."""
    access.ensure_can_act(actor, conversation)
    with transaction.atomic():
        label = label_create(actor=actor, name=name)
        conversation_label(conversation=conversation, actor=actor, label=label)
    return label
