from __future__ import annotations

from django import forms

from inbox.models import Network
from socialdesk.text import MultiLineField, SingleLineField


class ExportForm(forms.Form):
    handle = SingleLineField(
        label="Person (handle, without @)",
        required=False,
        max_length=120,
        help_text="Everything we hold about this person, on every channel you cover.",
    )
    start = forms.DateTimeField(label="Or from (YYYY-MM-DD HH:MM)", required=False)
    end = forms.DateTimeField(label="Until (YYYY-MM-DD HH:MM)", required=False)

    def clean_handle(self):
        return self.cleaned_data["handle"].strip().lstrip("@")


class RetentionForm(forms.Form):
    KEEP_CHOICES = [
        ("", "Keep for ever"),
        ("365", "1 year"),
        ("730", "2 years"),
        ("1095", "3 years"),
        ("2190", "6 years (correspondence)"),
        ("3650", "10 years"),
        ("custom", "Another number of days"),
    ]
    keep = forms.ChoiceField(label="Keep message content for", choices=KEEP_CHOICES, required=False)
    keep_days = forms.IntegerField(
        label="Number of days",
        required=False,
        min_value=1,
        help_text="Only with “Another number of days”.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean() or {}
        keep = data.get("keep") or ""
        if keep == "custom":
            if not data.get("keep_days"):
                self.add_error("keep_days", "Enter the number of days to keep content.")
            data["days"] = data.get("keep_days")
        else:
            data["days"] = int(keep) if keep else None
        return data


class LegalHoldForm(forms.Form):
    conversation = forms.IntegerField(
        label="Conversation number",
        required=False,
        min_value=1,
        help_text="The number at the end of the conversation's address, /inbox/c/<number>/.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    network = forms.ChoiceField(label="Or a person: their network", required=False, choices=[])
    handle = SingleLineField(
        label="Their handle (without @)",
        required=False,
        max_length=120,
        help_text="Holds everything of theirs, on every channel.",
    )
    reason = MultiLineField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the court order or request it answers. Kept in the audit log.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        network = self.fields["network"]
        assert isinstance(network, forms.ChoiceField)
        network.choices = [("", "Choose a network"), *Network.choices]

    def clean(self):
        data = super().clean() or {}
        by_person = bool(data.get("handle"))
        if bool(data.get("conversation")) == by_person:
            raise forms.ValidationError(
                "Give either a conversation number or a person's handle, not both."
            )
        if by_person and not data.get("network"):
            self.add_error("network", "Choose the person's network.")
        return data


class HoldReleaseForm(forms.Form):
    reason = SingleLineField(label="Why release it", max_length=1000)
