from __future__ import annotations

from django import forms

from accounts.models import User
from socialdesk.text import IsolatedNameChoiceField

TYPE_CHOICES = [
    ("", "Any"),
    ("auth.", "Sign-in and sessions"),
    ("account.", "Accounts and preferences"),
    ("team.", "Teams, members and roles"),
    ("message.", "Messages (received, sent, approved, rejected)"),
    ("conversation.", "Conversation changes"),
    ("note.", "Notes"),
    ("escalation.", "Escalations"),
    ("channel.", "Channels and credentials"),
    ("records.", "Records, exports and retention"),
    ("contact.", "Contacts (blocks, mutes)"),
    ("shield.", "Revealed shielded text"),
]


class AuditFilterForm(forms.Form):
    person = IsolatedNameChoiceField(queryset=User.objects.all(), required=False, label="Person")
    channel = forms.IntegerField(required=False, widget=forms.Select(), label="Channel")
    type = forms.ChoiceField(choices=TYPE_CHOICES, required=False, label="Type")
    start = forms.DateField(required=False, label="From (YYYY-MM-DD)")
    end = forms.DateField(required=False, label="Until, not including (YYYY-MM-DD)")

    def __init__(self, *args, channels=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            # Only the people whose actions this auditor may read: naming
            # everyone would list other teams' staff.
            self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["channel"].widget.choices = [("", "Any"), *[(c.pk, c.name) for c in channels]]
