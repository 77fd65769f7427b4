"""Officer actions on a conversation. Each checks the access rule, then writes
its change and one matching Event in a single transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import Team, User
from events.services import event_record
from inbox.models import Conversation, Label, Note, Status
from inbox.services import cycle
from inbox.services.assignment_notice import assignment_notify
from socialdesk.text import validate_multi_line


def _locked(conversation: Conversation) -> Conversation:
    """Re-read the row under a lock so concurrent actions serialise."""
    return (
        Conversation.objects.select_for_update().select_related("channel").get(pk=conversation.pk)
    )


def conversation_assign(
    *,
    conversation: Conversation,
    actor: User,
    assignee: User | None = None,
    team: Team | None = None,
) -> Conversation:
    """Assign to a person and/or a team (None clears). The assignee must cover
    the channel; a newly assigned person is notified unless they are the actor."""
    access.ensure_can_act(actor, conversation)
    if assignee is not None and not access.can_act_on(assignee, conversation):
        raise ValidationError(f"{assignee} does not cover {conversation.channel.name}.")
    if team is not None and not conversation.channel.teams.filter(pk=team.pk).exists():
        raise ValidationError(f"{team} does not cover {conversation.channel.name}.")
    with transaction.atomic():
        conv = _locked(conversation)
        before = {"assignee": conv.assignee_id, "team": conv.team_id}
        conv.assignee = assignee
        if team is not None or assignee is None:
            conv.team = team
        if conv.status == Status.NEW:
            conv.status = Status.OPEN
        conv.save(update_fields=["assignee", "team", "status"])
        event = event_record(
            type="conversation.assigned",
            actor=actor,
            conversation=conv,
            data={"from": before, "assignee": conv.assignee_id, "team": conv.team_id},
        )
        if assignee is not None and assignee.pk != before["assignee"]:
            assignment_notify(conversation=conv, actor=actor, assignee=assignee, event_id=event.pk)
    return conv


RESOLUTION_REASONS = {"no_reply_needed": "No reply needed"}


def conversation_set_status(
    *, conversation: Conversation, actor: User, status: str, reason: str = ""
) -> Conversation:
    """``reason="no_reply_needed"`` on a resolve counts the conversation apart
    in the response rate (a name-check, spam), not as a miss."""
    access.ensure_can_act(actor, conversation)
    if status not in Status.values:
        raise ValidationError(f"Unknown status {status!r}.")
    if reason and (reason not in RESOLUTION_REASONS or status != Status.RESOLVED):
        raise ValidationError(f"Unknown resolution reason {reason!r}.")
    with transaction.atomic():
        conv = _locked(conversation)
        previous = conv.status
        if previous == status:
            return conv
        snoozed_until = conv.snoozed_until
        step = cycle.after_status(
            cycle.CycleState(
                previous, conv.awaiting_since, conv.first_response_at, conv.snoozed_until
            ),
            to=status,
        )
        conv.status = status
        conv.awaiting_since = step.state.awaiting_since
        conv.first_response_at = step.state.first_response_at
        conv.snoozed_until = step.state.snoozed_until
        conv.save(update_fields=["status", "awaiting_since", "first_response_at", "snoozed_until"])
        event_record(
            type="conversation.status_changed",
            actor=actor,
            conversation=conv,
            data={"from": previous, "to": status, **({"reason": reason} if reason else {})},
        )
        if step.unsnoozed and snoozed_until is not None:
            event_record(
                type="conversation.woken",
                actor=actor,
                conversation=conv,
                data={"reason": "resolved", "snoozed_until": snoozed_until.isoformat()},
            )
    return conv


def conversation_label(
    *, conversation: Conversation, actor: User, label: Label, add: bool = True
) -> Conversation:
    access.ensure_can_act(actor, conversation)
    with transaction.atomic():
        conv = _locked(conversation)
        has = conv.labels.filter(pk=label.pk).exists()
        if has == add:
            return conv
        (conv.labels.add if add else conv.labels.remove)(label)
        event_record(
            type="conversation.labelled" if add else "conversation.unlabelled",
            actor=actor,
            conversation=conv,
            data={"label": label.name, "label_id": label.pk},
        )
    return conv


def note_add(*, conversation: Conversation, actor: User, text: str) -> Note:
    access.ensure_can_act(actor, conversation)
    text = text.strip()
    if not text:
        raise ValidationError("A note cannot be empty.")
    if len(text) > 5000:
        raise ValidationError("A note can be at most 5,000 characters.")
    validate_multi_line(text)
    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, author=actor, text=text)
        event_record(
            type="note.added", actor=actor, conversation=conversation, data={"note_id": note.pk}
        )
    return note


__all__ = [
    "PermissionDenied",
    "conversation_assign",
    "conversation_label",
    "conversation_set_status",
    "note_add",
]
