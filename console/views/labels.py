"""Settings: labels, with how many conversations each tags. Creating one is
the same service managers use inline in a conversation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.http import AuthedRequest
from console.forms.content import LabelCreateForm, LabelForm
from console.views._common import ensure_manager
from inbox.content_selectors import label_get_for_settings, labels_with_usage
from inbox.services import labels as service

SECTION = "labels"


@login_required
@require_http_methods(["GET", "POST"])
def labels(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    form = LabelCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label = service.label_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, f"Label “{label.name}” created.")
            return redirect("console:labels")
    return render(
        request,
        "console/labels.html",
        {
            "settings_section": SECTION,
            "labels": labels_with_usage(user=request.user),
            "form": form,
            "colours": service.LABEL_COLOURS,
            "is_admin": access.is_admin(request.user),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def label_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    label = label_get_for_settings(user=request.user, pk=pk)
    form = LabelForm(
        request.POST or None,
        initial={"name": label.name, "colour": label.colour},
        current_colour=label.colour,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = service.label_update(label=label, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, f"Label “{saved.name}” saved.")
            return redirect("console:labels")
    return render(
        request,
        "console/label_edit.html",
        {"settings_section": SECTION, "label": label, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def label_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    label = label_get_for_settings(user=request.user, pk=pk)
    if request.method == "POST":
        taken_off = service.label_delete(label=label, actor=request.user)
        messages.success(
            request,
            f"Label “{label.name}” deleted and taken off {taken_off} "
            f"conversation{'s' if taken_off != 1 else ''}.",
        )
        return redirect("console:labels")
    return render(
        request, "console/label_delete.html", {"settings_section": SECTION, "label": label}
    )
