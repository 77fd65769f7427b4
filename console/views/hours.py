"""Settings: staffed hours per channel (the weekly grid, the holiday region,
closures and special openings), with the coming week, "staffed now?" and the
bio statement drawn from what is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from console.forms.hours import ExceptionForm, HoursForm, interval_formset
from escalation import hours_selectors as selectors
from escalation.regions import region_label
from escalation.services import hours as hours_services

SECTION = "hours"


def _require_settings(request) -> None:
    if not selectors.channels_for_settings(user=request.user).exists():
        raise PermissionDenied("Staffed hours are set by managers and admins.")


@login_required
def hours_list(request):
    _require_settings(request)
    channels = list(selectors.channels_for_settings(user=request.user))
    statements = {b.channel.pk: b for b in selectors.bio_statements(channels=channels)}
    rows = [(c, statements[c.pk]) for c in channels]
    return render(request, "console/hours_list.html", {"settings_section": SECTION, "rows": rows})


def _page(request, channel, *, form=None, intervals=None, exception_form=None, status=200):
    hours = selectors.hours_get(channel=channel)
    others = selectors.channels_for_settings(user=request.user).exclude(pk=channel.pk)
    now = timezone.now()
    context = {
        "settings_section": SECTION,
        "channel": channel,
        "hours": hours,
        "form": form
        or HoursForm(
            channel=channel,
            others=others,
            initial={
                "time_zone": hours.time_zone if hours else "Europe/London",
                "holiday_region": hours.holiday_region if hours else "",
            },
        ),
        "intervals": intervals or interval_formset(hours=hours),
        "exception_form": exception_form or ExceptionForm(),
        "exceptions": selectors.exceptions_upcoming(hours=hours, now=now),
        "week": selectors.week_preview(hours=hours, now=now),
        "now": selectors.staffed_now(hours=hours, now=now),
        "bio": selectors.bio_statements(channels=[channel])[0],
        "region_label": region_label(hours.holiday_region) if hours else "",
    }
    return render(request, "console/hours_edit.html", context, status=status)


@login_required
def hours_edit(request, pk: int):
    channel = selectors.channel_get_for_settings(user=request.user, pk=pk)
    if request.method != "POST":
        return _page(request, channel)
    others = selectors.channels_for_settings(user=request.user).exclude(pk=channel.pk)
    form = HoursForm(request.POST, channel=channel, others=others)
    adding = "add_interval" in request.POST
    intervals = interval_formset(request.POST, hours=None, add=1 if adding else 0)
    if adding:
        # No JavaScript needed: the grid comes back with one more blank row.
        return _page(request, channel, form=form, intervals=intervals)
    if form.is_valid() and intervals.is_valid():
        also = list(form.cleaned_data.get("also_channels") or [])
        try:
            hours_services.staffed_hours_set(
                actor=request.user,
                channels=[channel, *also],
                intervals=intervals.intervals(),
                time_zone=form.cleaned_data["time_zone"],
                holiday_region=form.cleaned_data["holiday_region"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            names = ", ".join(c.name for c in [channel, *also])
            messages.success(request, f"Staffed hours saved for {names}.")
            return redirect("console:hours_edit", pk=channel.pk)
    return _page(request, channel, form=form, intervals=intervals, status=422)


@login_required
@require_POST
def exception_add(request, pk: int):
    channel = selectors.channel_get_for_settings(user=request.user, pk=pk)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        try:
            row = hours_services.hours_exception_add(
                actor=request.user, channel=channel, exception=form.exception()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{row.get_kind_display()} added: {row.reason}.")
            return redirect("console:hours_edit", pk=channel.pk)
    return _page(request, channel, exception_form=form, status=422)


@login_required
@require_POST
def exception_remove(request, pk: int, exception_pk: int):
    channel = selectors.channel_get_for_settings(user=request.user, pk=pk)
    row = selectors.exception_get_for_settings(user=request.user, channel=channel, pk=exception_pk)
    hours_services.hours_exception_remove(actor=request.user, exception=row)
    messages.success(request, f"Removed: {row.reason or row.get_kind_display()}.")
    return redirect("console:hours_edit", pk=channel.pk)


@login_required
@require_POST
def hours_clear(request, pk: int):
    channel = selectors.channel_get_for_settings(user=request.user, pk=pk)
    if hours_services.staffed_hours_clear(actor=request.user, channel=channel):
        messages.success(request, f"{channel.name} is now treated as staffed 24/7.")
    return redirect("console:hours_edit", pk=channel.pk)
