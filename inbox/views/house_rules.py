"""The organisation's house rules for comments, as everyone reads them (hiding
a comment names one). Managers and admins change them in Settings
(``console:house_rules``); the old change address sends them there."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts import access
from accounts.http import AuthedRequest
from inbox import moderation_selectors


@login_required
@require_GET
def house_rules(request: AuthedRequest) -> HttpResponse:
    if access.role_of(request.user) is None:
        raise PermissionDenied("You are not a member of any team.")
    return render(
        request,
        "inbox/house_rules.html",
        {
            "rules": moderation_selectors.house_rules(),
            "may_edit": bool(access.managed_team_ids(request.user)),
        },
    )


@login_required
def house_rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return redirect("console:house_rule_edit", pk=pk, permanent=True)
