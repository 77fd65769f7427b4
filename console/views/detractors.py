"""Settings: the people flagged as detractors, and clearing a wrong flag with
a reason (also reached from the contact card in a conversation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import access
from accounts.http import AuthedRequest
from console.forms.detractors import DetractorClearForm
from escalation import detractor_selectors
from escalation.services.contacts import contact_detractor_clear

SECTION = "detractors"


def _managers_only(request: AuthedRequest) -> None:
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Clearing detractor flags is for managers and admins.")


def _safe_next(request: AuthedRequest, value: str) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


@login_required
def detractors(request: AuthedRequest) -> HttpResponse:
    _managers_only(request)
    return render(
        request,
        "console/detractors.html",
        {
            "settings_section": SECTION,
            "rows": detractor_selectors.detractors_for(user=request.user),
        },
    )


@login_required
def detractor_clear(request: AuthedRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    contact = detractor_selectors.detractor_get_for_user(user=request.user, pk=pk)
    form = DetractorClearForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        try:
            contact_detractor_clear(
                contact=contact, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"{contact} is no longer flagged as a detractor.")
            return redirect(_safe_next(request, form.cleaned_data["next"]) or "console:detractors")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(
        request,
        "console/detractor_clear.html",
        {"settings_section": SECTION, "form": form, "contact": contact},
        status=422 if form.errors else 200,
    )
