from __future__ import annotations

from django import forms

from socialdesk.text import SingleLineField


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
