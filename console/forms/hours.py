"""Forms for the staffed-hours, out-of-hours, and response-target settings.

They check the shape of what was typed; the rules (overlaps, an end before
its start, a known holiday region) are the services' own checks, asked here
too so the page can point at the row that is wrong."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from escalation import clock as business_clock
from escalation.models import Clock, ExceptionKind, StaffedHours
from escalation.regions import region_groups
from escalation.services.hours import (
    ExceptionIn,
    IntervalIn,
    exception_problems,
    interval_problems,
    region_problem,
)
from inbox.models import Priority
from socialdesk.text import MultiLineField, SingleLineField

TIME = forms.TimeInput(attrs={"type": "time", "class": "govuk-input--width-5"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d")
# Blank rows are left blank: a day must be chosen on purpose.
DAY_CHOICES = [("", "Choose a day"), *[(str(i), d) for i, d in enumerate(business_clock.WEEKDAYS)]]
# Rows shown beyond the saved ones, so a split shift needs no second round trip.
BLANK_ROWS = 2


def region_choices() -> list[Any]:
    return [("", "No public holidays"), *[(g, list(c)) for g, c in region_groups()]]


class HoursForm(forms.Form):
    time_zone = SingleLineField(
        label="Time zone",
        max_length=64,
        initial="Europe/London",
        help_text="An IANA time zone, e.g. Europe/London.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    holiday_region = forms.ChoiceField(
        label="Closed on the public holidays of",
        required=False,
        help_text="For England and Wales bank holidays choose “United Kingdom: England”.",
    )
    also_channels: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="Also give these channels the same hours",
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Other channels you manage (for example, the rest of the team's accounts).",
    )

    def __init__(self, *args, channel, others, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["holiday_region"]).choices = region_choices()
        field = self.fields["also_channels"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = others
        if not others.exists():
            del self.fields["also_channels"]
        self.channel = channel

    def clean_holiday_region(self) -> str:
        region = self.cleaned_data["holiday_region"].strip().upper()
        if problem := region_problem(region):
            raise ValidationError(problem)
        return region


class IntervalForm(forms.Form):
    weekday = forms.TypedChoiceField(label="Day", choices=DAY_CHOICES, coerce=int, empty_value=None)
    start = forms.TimeField(label="From", widget=TIME)
    end = forms.TimeField(label="To", widget=TIME)
    overnight = forms.BooleanField(label="Ends the next day", required=False)

    def interval(self) -> IntervalIn | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or data.get("weekday") is None:
            return None
        return IntervalIn(
            weekday=data["weekday"],
            start=data["start"],
            end=data["end"],
            overnight=data.get("overnight", False),
        )


class BaseIntervalFormSet(forms.BaseFormSet):
    """Every row may be left blank (a blank row is no interval), so the
    formset counts no "initial" rows: saved rows are drawn from ``initial``
    but, once posted, a cleared row is simply gone."""

    def initial_form_count(self) -> int:
        return 0

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Remove"

    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [(form, form.interval()) for form in self.forms]
        kept = [(form, row) for form, row in rows if row is not None]
        for index, messages in interval_problems([row for _, row in kept]).items():
            for message in messages:
                kept[index][0].add_error(None, message)

    def intervals(self) -> list[IntervalIn]:
        return [row for form in self.forms if (row := form.interval()) is not None]


IntervalFormSet = forms.formset_factory(
    IntervalForm, formset=BaseIntervalFormSet, extra=0, can_delete=True, max_num=70
)


def interval_formset(data=None, *, hours: StaffedHours | None, add: int = 0):
    """The weekly grid: the saved rows, then blank ones (``add`` more when
    "Add another interval" was pressed)."""
    if data is not None:
        data = data.copy()
        total = int(data.get("intervals-TOTAL_FORMS") or 0)
        data["intervals-TOTAL_FORMS"] = str(min(total + add, 70))
        return IntervalFormSet(data, prefix="intervals")
    initial = [
        {
            "weekday": i.weekday,
            "start": i.start,
            "end": i.end,
            "overnight": i.end <= i.start,
        }
        for i in (hours.intervals.all() if hours else [])
    ]
    formset = IntervalFormSet(initial=initial, prefix="intervals")
    formset.extra = len(initial) + BLANK_ROWS
    return formset


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is it?",
        choices=[
            (ExceptionKind.CLOSED, "A closure (not staffed, e.g. a training day)"),
            (ExceptionKind.EXTRA, "A special opening (extra cover, e.g. an incident)"),
        ],
        widget=forms.RadioSelect,
    )
    reason = SingleLineField(label="Reason", max_length=200)
    starts_on = forms.DateField(label="From (date)", widget=DATE)
    start_time = forms.TimeField(
        label="From (time)", required=False, widget=TIME, help_text="Blank: from midnight."
    )
    ends_on = forms.DateField(
        label="To (date)", required=False, widget=DATE, help_text="Blank: the same day."
    )
    end_time = forms.TimeField(
        label="To (time)", required=False, widget=TIME, help_text="Blank: to the end of the day."
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for problem in exception_problems(self.exception()):
            self.add_error(None, problem)
        return data

    def exception(self) -> ExceptionIn:
        d = self.cleaned_data
        return ExceptionIn(
            kind=d["kind"],
            reason=d["reason"],
            starts_on=d["starts_on"],
            ends_on=d.get("ends_on"),
            start_time=d.get("start_time"),
            end_time=d.get("end_time"),
        )


class OutOfHoursForm(forms.Form):
    reply = forms.BooleanField(
        label="Send an automatic reply to messages that arrive while closed", required=False
    )
    public = forms.BooleanField(
        label="Also reply publicly to public mentions and comments",
        required=False,
        help_text="Off: private messages only.",
    )
    text = MultiLineField(
        label="Out-of-hours reply",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Placeholders: {reopens} (when you are next staffed, e.g. “8am tomorrow”), "
        "{hours} (your staffed hours), {emergency} (the emergency text below).",
    )
    emergency_text = SingleLineField(
        label="Emergency signposting",
        max_length=300,
        help_text="Who to contact in an emergency. It also ends the bio statement.",
    )


class TargetForm(forms.Form):
    channel: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Channel", queryset=None, required=False, empty_label="Every channel (default)"
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        choices=[("", "Any priority"), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    target_minutes = forms.IntegerField(
        label="Reply within (minutes)",
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}),
    )
    limit_minutes = forms.IntegerField(
        label="Outer limit (minutes)",
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}),
    )
    warning_percent = forms.IntegerField(
        label="Warn at (% of the target)",
        min_value=1,
        max_value=100,
        initial=80,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    clock = forms.ChoiceField(
        label="Count time on",
        choices=Clock.choices,
        initial=Clock.STAFFED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, channels, admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = channels
        if not admin:
            # The defaults for every channel are an admin's to set.
            field.required = True
            field.empty_label = "Choose a channel"

    def clean(self):
        data = super().clean() or {}
        target, limit = data.get("target_minutes"), data.get("limit_minutes")
        if target and limit and limit < target:
            self.add_error("limit_minutes", "The outer limit cannot be shorter than the target.")
        return data
