from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts import access
from records import selectors, services
from records.forms import ExportForm
from records.models import RecordsExport


def _managers_only(user) -> None:
    if not access.is_manager_or_admin(user):
        raise PermissionDenied("Records exports are for managers and admins.")


@login_required
def exports(request):
    _managers_only(request.user)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = None
        handle = form.cleaned_data["handle"]
        if handle:
            contact = selectors.export_contact_find(user=request.user, handle=handle)
            if contact is None:
                form.add_error(
                    "handle",
                    f"Nobody with the handle @{handle} has written on the channels your teams cover.",
                )
        if not form.errors:
            try:
                services.export_request(
                    actor=request.user,
                    contact=contact,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
                messages.success(
                    request, "Your export is being built. It appears below when ready."
                )
                return redirect("records:exports")
            except ValidationError as exc:
                form.add_error(None, exc)
    mine = RecordsExport.objects.filter(requested_by=request.user).select_related("contact")[:20]
    template = "records/_export_list.html" if request.htmx else "records/exports.html"
    return render(request, template, {"form": form, "exports": mine})


@login_required
def export_download(request, pk: int):
    export = get_object_or_404(RecordsExport, pk=pk)
    try:
        path = services.export_path_for(export=export, user=request.user)
    except (PermissionDenied, ValidationError) as exc:
        raise PermissionDenied(str(exc)) from exc
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"records-export-{export.pk}.zip"
    )
