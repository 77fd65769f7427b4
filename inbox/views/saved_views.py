"""Personal saved views: save the list's filters under a name (from the list),
and rename or delete them (on their own page). Each view validates, calls one
service and redirects; refusals re-render with the reason."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthedRequest
from inbox import selectors
from inbox.forms import SavedViewForm, SavedViewRenameForm
from inbox.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_params,
    saved_view_rename,
)


def _form_errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _manage(request: AuthedRequest, *, status: int = 200, **extra) -> HttpResponse:
    views = selectors.saved_views_for(user=request.user)
    data = {
        "own_views": [
            (
                v,
                urlencode(v.query),
                SavedViewRenameForm(initial={"name": v.name}, prefix=f"v{v.pk}"),
            )
            for v in views
            if v.owner_id == request.user.pk
        ],
        "shared_views": [(v, urlencode(v.query)) for v in views if v.owner_id != request.user.pk],
        **extra,
    }
    if "error" in extra:
        # Put the refused name back in its own row's box.
        data["own_views"] = [
            (v, q, extra["form"] if v.pk == extra.get("pk") else form)
            for v, q, form in data["own_views"]
        ]
    return render(request, "inbox/saved_views.html", data, status=status)


@login_required
@require_GET
def saved_views_page(request: AuthedRequest) -> HttpResponse:
    return _manage(request)


@login_required
@require_POST
def saved_view_save(request: AuthedRequest) -> HttpResponse:
    """Save the filters posted beside the name (the list's current ones)."""
    teams = selectors.teams_of(user=request.user)
    form = SavedViewForm(request.POST, teams=teams)
    params = saved_view_params(request.POST)
    back = reverse("inbox:list") + (f"?{urlencode(params)}" if params else "")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    team = next((t for t in teams if str(t.pk) == form.cleaned_data["team"]), None)
    try:
        view = saved_view_create(
            owner=request.user, name=form.cleaned_data["name"], params=params, team=team
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(back)


@login_required
@require_POST
def saved_view_rename_view(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.saved_view_get_own(user=request.user, pk=pk)
    form = SavedViewRenameForm(request.POST, prefix=f"v{view.pk}")
    error = ""
    if form.is_valid():
        try:
            saved_view_rename(saved_view=view, actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _form_errors(form)
    if error:
        return _manage(request, status=400, error=error, form=form, pk=view.pk)
    messages.success(request, f"Renamed the view to “{view.name}”.")
    return redirect("inbox:saved_views")


@login_required
@require_POST
def saved_view_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.saved_view_get_own(user=request.user, pk=pk)
    name = view.name
    saved_view_delete(saved_view=view, actor=request.user)
    messages.success(request, f"Deleted the view “{name}”.")
    return redirect("inbox:saved_views")
