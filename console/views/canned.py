"""Settings: canned responses per team, with a preview of the placeholders
filled with sample values."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.http import AuthedRequest
from console.forms.content import CannedResponseForm
from console.views._common import ensure_manager
from inbox.content_selectors import canned_get_managed, canned_managed_by
from inbox.models import CannedResponse
from inbox.services import canned as service

SECTION = "canned"


@login_required
def canned_list(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    responses = list(canned_managed_by(user=request.user))
    for canned in responses:
        canned.preview = service.canned_preview(canned.text)  # type: ignore[attr-defined]
    return render(
        request,
        "console/canned_list.html",
        {
            "settings_section": SECTION,
            "responses": responses,
            "is_admin": access.is_admin(request.user),
            "placeholders": service.PLACEHOLDERS,
        },
    )


def _form_page(request: AuthedRequest, canned: CannedResponse | None) -> HttpResponse:
    admin = access.is_admin(request.user)
    initial = (
        {"title": canned.title, "text": canned.text, "teams": list(canned.teams.all())}
        if canned
        else {}
    )
    form = CannedResponseForm(request.POST or None, initial=initial, user=request.user, admin=admin)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "preview":
            problem = service.canned_text_problem(data["text"])
            if problem:
                form.add_error("text", problem)
            else:
                preview = service.canned_preview(data["text"])
        else:
            try:
                saved = _save(request, canned, data)
            except ValidationError as exc:
                form.add_error("text", exc)
            except PermissionDenied as exc:
                form.add_error("teams", str(exc))
            else:
                messages.success(request, f"Canned response “{saved.title}” saved.")
                return redirect("console:canned_list")
    return render(
        request,
        "console/canned_form.html",
        {
            "settings_section": SECTION,
            "form": form,
            "canned": canned,
            "preview": preview,
            "placeholders": service.PLACEHOLDERS,
        },
        status=422 if form.errors else 200,
    )


def _save(request: AuthedRequest, canned: CannedResponse | None, data: dict) -> CannedResponse:
    fields = {"title": data["title"], "text": data["text"], "teams": data["teams"]}
    if canned is None:
        return service.canned_create(actor=request.user, **fields)
    return service.canned_update(canned=canned, actor=request.user, **fields)


@login_required
@require_http_methods(["GET", "POST"])
def canned_create(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    return _form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def canned_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    return _form_page(request, canned_get_managed(user=request.user, pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def canned_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    canned = canned_get_managed(user=request.user, pk=pk)
    if request.method == "POST":
        service.canned_delete(canned=canned, actor=request.user)
        messages.success(request, f"Canned response “{canned.title}” deleted.")
        return redirect("console:canned_list")
    return render(
        request,
        "console/canned_delete.html",
        {"settings_section": SECTION, "canned": canned},
    )
