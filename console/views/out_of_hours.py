"""Settings: the out-of-hours reply and emergency signposting per channel,
with a preview of the reply as a citizen would get it now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from console.forms.hours import OutOfHoursForm
from escalation import hours_selectors as selectors
from escalation.services.hours import out_of_hours_texts_set

SECTION = "out_of_hours"


@login_required
def out_of_hours_list(request):
    channels = list(selectors.channels_for_settings(user=request.user))
    if not channels:
        raise PermissionDenied("Out-of-hours replies are set by managers and admins.")
    found = selectors.hours_by_channel(channels=channels)
    rows = [(c, found.get(c.pk)) for c in channels]
    return render(
        request, "console/out_of_hours_list.html", {"settings_section": SECTION, "rows": rows}
    )


@login_required
def out_of_hours_edit(request, pk: int):
    channel = selectors.channel_get_for_settings(user=request.user, pk=pk)
    hours = selectors.hours_get(channel=channel)
    form = None
    status = 200
    if hours is not None:
        initial = {
            "reply": hours.out_of_hours_reply,
            "public": hours.out_of_hours_public,
            "text": hours.out_of_hours_text,
            "emergency_text": hours.emergency_text,
        }
        form = OutOfHoursForm(request.POST or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    out_of_hours_texts_set(
                        actor=request.user,
                        channel=channel,
                        reply=data["reply"],
                        public=data["public"],
                        text=data["text"],
                        emergency_text=data["emergency_text"],
                    )
                except ValidationError as exc:
                    _errors_to_form(form, exc)
                else:
                    messages.success(request, f"Out-of-hours reply saved for {channel.name}.")
                    return redirect("console:out_of_hours_edit", pk=channel.pk)
            status = 422
    preview = selectors.out_of_hours_preview(hours=hours) if hours else None
    return render(
        request,
        "console/out_of_hours_edit.html",
        {
            "settings_section": SECTION,
            "channel": channel,
            "hours": hours,
            "form": form,
            "preview": preview,
        },
        status=status,
    )


_FIELDS = {"out_of_hours_text": "text", "emergency_text": "emergency_text"}


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(_FIELDS.get(name), errors)
    else:
        form.add_error(None, exc)
