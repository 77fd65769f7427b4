"""Filters and settings forms for the KPI dashboards."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django import forms

from accounts.models import Team, User
from inbox.models import Channel
from kpis import selectors as sel
from socialdesk.text import SingleLineField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, data=None, *, today: date, **kwargs):
        self.today = today
        super().__init__(data, **kwargs)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        default = sel.period_default(today=self.today)
        start = cleaned.get("start") or default.first
        end = cleaned.get("end") or (
            start + timedelta(days=29) if cleaned.get("start") else default.last
        )
        if end < start:
            raise forms.ValidationError("“To” must be on or after “From”.")
        if (end - start).days + 1 > sel.MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {sel.MAX_DAYS} days.")
        cleaned["period"] = sel.Period(start, end)
        return cleaned


class KpiFilterForm(PeriodForm):
    """Period plus channel and team, offering only what the user may see."""

    channel = forms.ModelChoiceField(
        queryset=Channel.objects.none(), required=False, empty_label="All your channels"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="All your teams"
    )

    def __init__(self, data=None, *, user: User, today: date, **kwargs):
        super().__init__(data, today=today, **kwargs)
        cast(forms.ModelChoiceField, self.fields["channel"]).queryset = sel.channels_for_dashboards(
            user=user
        )
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = sel.teams_for_dashboards(
            user=user
        )


class CostsForm(forms.Form):
    social = forms.DecimalField(
        label="Social media, per contact", min_value=Decimal("0"), max_digits=8, decimal_places=2
    )
    phone = forms.DecimalField(
        label="Phone, per call", min_value=Decimal("0"), max_digits=8, decimal_places=2
    )
    face_to_face = forms.DecimalField(
        label="Face to face, per visit", min_value=Decimal("0"), max_digits=8, decimal_places=2
    )
    currency = SingleLineField(label="Currency symbol", max_length=3, initial="£")


class RecomputeForm(forms.Form):
    since = forms.DateField(label="First day", widget=DateInput())
    until = forms.DateField(label="Last day", widget=DateInput())

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            raise forms.ValidationError("The last day must be on or after the first day.")
        return cleaned
