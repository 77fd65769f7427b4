"""Settings: retention per channel and legal holds, through the records
services only (the Django admin shows them read-only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts import access
from accounts.http import AuthedRequest
from records import selectors, services
from records.forms import HoldReleaseForm, LegalHoldForm, RetentionForm


def _managers_only(request: AuthedRequest) -> None:
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Records settings are for managers and admins.")


@login_required
def retention(request: AuthedRequest) -> HttpResponse:
    _managers_only(request)
    return render(
        request,
        "console/retention.html",
        {
            "settings_section": "retention",
            "rows": selectors.retention_rows_for(user=request.user),
        },
    )


@login_required
def retention_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    row = selectors.retention_row_get_for_user(user=request.user, pk=pk)
    channel = row.channel
    initial = {"keep": "", "keep_days": row.keep_days}
    if row.keep_days is not None:
        known = {value for value, _ in RetentionForm.KEEP_CHOICES}
        initial["keep"] = str(row.keep_days) if str(row.keep_days) in known else "custom"
    form = RetentionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_set(
                channel=channel, keep_days=form.cleaned_data["days"], actor=request.user
            )
            messages.success(request, f"Retention for {channel.name} saved.")
            return redirect("console:retention")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(
        request,
        "console/retention_edit.html",
        {"settings_section": "retention", "form": form, "channel": channel, "row": row},
        status=422 if form.errors else 200,
    )


@login_required
def legal_holds(request: AuthedRequest) -> HttpResponse:
    _managers_only(request)
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = conversation = None
        if data["conversation"]:
            conversation = selectors.hold_conversation_find(
                user=request.user, pk=data["conversation"]
            )
            if conversation is None:
                form.add_error("conversation", "No such conversation on your teams' channels.")
        else:
            contact = selectors.hold_contact_find(
                user=request.user, network=data["network"], handle=data["handle"]
            )
            if contact is None:
                form.add_error("handle", "Nobody with that handle wrote on your teams' channels.")
        if not form.errors:
            try:
                services.legal_hold_place(
                    actor=request.user,
                    reason=data["reason"],
                    contact=contact,
                    conversation=conversation,
                )
                messages.success(request, "Legal hold placed: nothing of it will be removed.")
                return redirect("console:legal_holds")
            except ValidationError as exc:
                form.add_error(None, exc)
    show_all = request.GET.get("show") == "all"
    return render(
        request,
        "console/legal_holds.html",
        {
            "settings_section": "legal_holds",
            "form": form,
            "holds": selectors.legal_holds_for(user=request.user, active_only=not show_all),
            "show_all": show_all,
        },
        status=422 if form.errors else 200,
    )


@login_required
def legal_hold_release(request: AuthedRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    hold = selectors.legal_hold_get_for_user(user=request.user, pk=pk)
    form = HoldReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_release(
                hold=hold, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Legal hold released: retention applies to it again.")
            return redirect("console:legal_holds")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(
        request,
        "console/legal_hold_release.html",
        {"settings_section": "legal_holds", "form": form, "hold": hold},
        status=422 if form.errors else 200,
    )
