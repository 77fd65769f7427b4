"""Settings: response targets per channel and priority."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from console.forms.hours import TargetForm
from escalation import hours_selectors as selectors
from escalation.services.target_settings import response_target_remove, response_target_set
from escalation.services.targets import DEFAULT_POLICY

SECTION = "targets"


def _channels(request):
    channels = selectors.channels_for_settings(user=request.user)
    if not channels.exists():
        raise PermissionDenied("Response targets are set by managers and admins.")
    return channels


@login_required
def targets(request):
    channels = _channels(request)
    admin = access.is_admin(request.user)
    initial = {}
    if (edit := request.GET.get("edit", "").strip()) and edit.isdigit():
        t = selectors.target_get_for_settings(user=request.user, pk=int(edit))
        initial = {
            "channel": t.channel_id,
            "priority": t.priority,
            "target_minutes": t.target_minutes,
            "limit_minutes": t.limit_minutes,
            "warning_percent": t.warning_percent,
            "clock": t.clock,
        }
    form = TargetForm(request.POST or None, initial=initial, channels=channels, admin=admin)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                response_target_set(
                    actor=request.user,
                    channel=data["channel"],
                    priority=data["priority"],
                    target_minutes=data["target_minutes"],
                    limit_minutes=data["limit_minutes"],
                    warning_percent=data["warning_percent"],
                    clock=data["clock"],
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(request, "Response target saved.")
                return redirect("console:targets")
        status = 422
    return render(
        request,
        "console/targets.html",
        {
            "settings_section": SECTION,
            "form": form,
            "targets": selectors.targets_for_settings(user=request.user),
            "admin": admin,
            "default": DEFAULT_POLICY,
            "editing": bool(initial),
        },
        status=status,
    )


@login_required
@require_POST
def target_remove(request, pk: int):
    _channels(request)
    target = selectors.target_get_for_settings(user=request.user, pk=pk)
    response_target_remove(actor=request.user, target=target)
    messages.success(request, "Response target removed.")
    return redirect("console:targets")
