"""Approve or reject a held reply from the conversation page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from inbox import selectors
from inbox.forms import ApprovalForm
from inbox.services import approvals


def _held(request: AuthedRequest, pk: int, mid: int):
    conversation = selectors.conversation_get_for_action(user=request.user, pk=pk)
    message = selectors.message_get_for_user(user=request.user, pk=mid)
    if message.conversation_id != conversation.pk:
        raise PermissionDenied("That reply is not in this conversation.")
    return message


def _refused(request: AuthedRequest, pk: int, form: ApprovalForm) -> HttpResponse:
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("inbox:conversation", pk=pk)


@login_required
@require_POST
def message_approve(request: AuthedRequest, pk: int, mid: int) -> HttpResponse:
    message = _held(request, pk, mid)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, form)
    try:
        approvals.reply_approve(
            message=message,
            approver=request.user,
            text=form.cleaned_data["text"] if "text" in request.POST else None,
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, "Approved: the reply is on its way.")
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("inbox:conversation", pk=pk)


@login_required
@require_POST
def message_reject(request: AuthedRequest, pk: int, mid: int) -> HttpResponse:
    message = _held(request, pk, mid)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, form)
    try:
        approvals.reply_reject(
            message=message, approver=request.user, comment=form.cleaned_data["comment"]
        )
        messages.success(request, "Rejected: the author has been told why.")
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("inbox:conversation", pk=pk)
