"""The conversation header's triage controls: priority, snooze and wake, the
label set, and a label created inline (managers). Each view fetches the
conversation through the selector (another team's is a 404), validates,
calls one service and answers with the controls (htmx) or a redirect."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from inbox import selectors
from inbox.forms import LabelCreateForm, LabelsSetForm, PriorityForm, SnoozeForm
from inbox.models import Priority
from inbox.services import triage
from inbox.views.actions import _controls, _conversation, _errors


@login_required
@require_POST
def conversation_priority(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _controls(request, conversation, "Choose a valid priority.", error=True)
    priority = form.cleaned_data["priority"]
    triage.conversation_set_priority(
        conversation=conversation, actor=request.user, priority=priority
    )
    return _controls(request, conversation, f"Priority set to {Priority(priority).label.lower()}.")


@login_required
@require_POST
def conversation_snooze(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        return _controls(request, conversation, _errors(form), error=True)
    data = form.cleaned_data
    try:
        until = data["until"] or triage.snooze_preset_until(data["preset"])
        triage.conversation_snooze(conversation=conversation, actor=request.user, until=until)
    except ValidationError as exc:
        return _controls(request, conversation, _errors(exc), error=True)
    when = formats.date_format(timezone.localtime(until), "D j M, H:i")
    return _controls(request, conversation, f"Snoozed until {when}.")


@login_required
@require_POST
def conversation_wake(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    triage.conversation_wake(conversation=conversation, actor=request.user)
    return _controls(request, conversation, "Woken: back in the open views.")


@login_required
@require_POST
def conversation_labels(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    labels = selectors.labels_all()
    form = LabelsSetForm(request.POST, labels=labels)
    if not form.is_valid():
        return _controls(request, conversation, "Choose labels from the list.", error=True)
    chosen = set(form.cleaned_data["labels"])
    picked = [lb for lb in labels if str(lb.pk) in chosen]
    triage.conversation_labels_set(conversation=conversation, actor=request.user, labels=picked)
    names = ", ".join(lb.name for lb in picked) or "none"
    return _controls(request, conversation, f"Labels saved: {names}.")


@login_required
@require_POST
def conversation_label_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Officers are refused with a 403 by the service (they see no form)."""
    conversation = _conversation(request, pk)
    form = LabelCreateForm(request.POST)
    if not form.is_valid():
        return _controls(request, conversation, _errors(form), error=True)
    try:
        label = triage.conversation_label_create(
            conversation=conversation, actor=request.user, name=form.cleaned_data["name"]
        )
    except ValidationError as exc:
        return _controls(request, conversation, _errors(exc), error=True)
    return _controls(request, conversation, f"Label “{label.name}” created and added.")
