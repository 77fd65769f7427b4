from __future__ import annotations

from django import forms


class DetractorClearForm(forms.Form):
    reason = forms.CharField(
        label="Why was the flag wrong?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a genuine complaint we had not answered. Kept in the audit log.",
    )
    # Where to go back to: the conversation whose contact card sent us here.
    next = forms.CharField(required=False, widget=forms.HiddenInput)
