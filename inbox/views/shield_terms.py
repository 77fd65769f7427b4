"""The abuse shield's page moved into Settings (issue 18): the old address
sends bookmarks there. Whoever may not open Settings is refused there."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from accounts.http import AuthedRequest


@login_required
def abuse_terms(request: AuthedRequest) -> HttpResponse:
    return redirect("console:abuse_terms", permanent=True)
