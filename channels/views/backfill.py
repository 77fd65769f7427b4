"""A channel's history import (backfill) for admins: the live status fragment
the channel list polls, and "Import history again" / "Try again".

Admins only, like every channel page; the channel is fetched through the
access rule, so an unknown id is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.http import AuthedRequest
from channels.selectors import backfill_progress, channel_get_for_admin
from channels.services.backfill import channel_backfill_start
from inbox.models import Channel

# htmx stops polling an element when its answer has this status.
STOP_POLLING = 286


@login_required
@require_http_methods(["GET", "POST"])
def channel_backfill(request: AuthedRequest, pk: int) -> HttpResponse:
    if not access.can_configure_channels(request.user):
        raise PermissionDenied("Only admins manage channels.")
    channel = channel_get_for_admin(user=request.user, pk=pk).channel
    if request.method == "POST":
        return _start(request, channel)
    if not request.htmx:
        return redirect("channels:list")  # the status lives on the channel list
    progress = backfill_progress(channel, timezone.now())
    if progress is None or not progress.live:
        status = STOP_POLLING
    elif request.GET.get("sig") == progress.sig:
        return HttpResponse(status=204)  # unchanged: nothing to swap or announce
    else:
        status = 200
    return render(
        request,
        "channels/_backfill.html",
        {"channel": channel, "progress": progress},
        status=status,
    )


def _start(request: AuthedRequest, channel: Channel) -> HttpResponse:
    try:
        backfill = channel_backfill_start(
            channel=channel, actor=request.user, days=settings.BACKFILL_DAYS
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Importing the last {backfill.days} days of {channel.name}.")
    return redirect("channels:list")
