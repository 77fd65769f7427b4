"""Bulk actions on a selection of conversations: assign, label, resolve.

All or nothing: one transaction around the single-conversation services, so
each conversation still gets exactly its one Event, and a refusal on any of
them (an assignee who does not cover one channel) changes none of them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Team, User
from inbox.models import Conversation, Label, Status
from inbox.services import actions

MAX_SELECTION = 200
BULK_ACTIONS = ("assign", "label", "resolve")


def conversations_bulk_apply(
    *,
    conversations: list[Conversation],
    actor: User,
    action: str,
    assignee: User | None = None,
    team: Team | None = None,
    label: Label | None = None,
) -> int:
    """Apply one action to every conversation; returns how many changed hands.
    ``conversations`` must come from a selector (already access-checked)."""
    if not conversations:
        raise ValidationError("Select at least one conversation.")
    if len(conversations) > MAX_SELECTION:
        raise ValidationError(f"Select at most {MAX_SELECTION} conversations at a time.")
    if action not in BULK_ACTIONS:
        raise ValidationError(f"Unknown bulk action {action!r}.")
    if action == "assign" and assignee is None and team is None:
        raise ValidationError("Choose a person or a team to assign to.")
    if action == "label" and label is None:
        raise ValidationError("Choose a label.")
    with transaction.atomic():
        for conversation in conversations:
            _apply_one(conversation, actor, action, assignee, team, label)
    return len(conversations)


def _apply_one(conversation, actor, action, assignee, team, label) -> None:
    try:
        if action == "assign":
            actions.conversation_assign(
                conversation=conversation, actor=actor, assignee=assignee, team=team
            )
        elif action == "label":
            actions.conversation_label(conversation=conversation, actor=actor, label=label)
        else:
            actions.conversation_set_status(
                conversation=conversation, actor=actor, status=Status.RESOLVED
            )
    except ValidationError as exc:
        who = f"{conversation.contact}" if conversation.contact_id else f"#{conversation.pk}"
        raise ValidationError(f"Nothing changed. {who}: {' '.join(exc.messages)}") from exc
