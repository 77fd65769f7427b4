"""Settings: everyone's API tokens, for admins. Each person makes and revokes
their own on the Sign-in and security page; here an admin sees them all (who,
what for, last use; never a key or its hash) and revokes any."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from accounts.http import AuthedRequest
from accounts.services import tokens

SECTION = "api_tokens"


def _admins_only(request: AuthedRequest) -> None:
    if not access.is_admin(request.user):
        raise PermissionDenied("Everyone's API tokens are for admins.")


@login_required
def api_tokens(request: AuthedRequest) -> HttpResponse:
    _admins_only(request)
    live_only = request.GET.get("show") != "all"
    return render(
        request,
        "console/api_tokens.html",
        {
            "settings_section": SECTION,
            "rows": tokens.api_tokens_all(actor=request.user, live_only=live_only),
            "live_only": live_only,
        },
    )


@login_required
@require_POST
def api_token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    _admins_only(request)
    token = tokens.api_token_get_for_user(user=request.user, pk=pk)
    tokens.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"{token.user}'s token “{token.name}” no longer works.")
    return redirect("console:api_tokens")
