from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts import access
from console.sections import sections_for


@login_required
def index(request):
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Settings are for managers and admins.")
    return render(request, "console/index.html", {"sections": sections_for(request.user)})
