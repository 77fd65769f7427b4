from __future__ import annotations

from django import forms

from inbox.models import Status


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
