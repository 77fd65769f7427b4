"""Settings: the statement of staffed hours, expected wait and emergency
signposting for each channel's profile bio, measured against the network's
bio limit, with a copy button."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from escalation import hours_selectors as selectors

SECTION = "bio"


@login_required
def bio(request):
    channels = list(selectors.channels_for_settings(user=request.user))
    if not channels:
        raise PermissionDenied("Bio statements are for managers and admins.")
    return render(
        request,
        "console/bio.html",
        {"settings_section": SECTION, "statements": selectors.bio_statements(channels=channels)},
    )
