"""A channel's profile check, run again on an admin's request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.http import AuthedRequest
from channels.selectors import channel_get_for_admin
from channels.services.profile import profile_check_request


@login_required
@require_http_methods(["POST"])
def channel_profile_check(request: AuthedRequest, pk: int) -> HttpResponse:
    if not access.can_configure_channels(request.user):
        raise PermissionDenied("Only admins manage channels.")
    channel = channel_get_for_admin(user=request.user, pk=pk).channel
    profile_check_request(channel=channel, actor=request.user)
    messages.success(
        request, f"{channel.name}'s profile will be checked again in a moment: reload to see it."
    )
    return redirect("channels:list")
