from __future__ import annotations

from django import forms

from accounts.models import User
from socialdesk.text import IsolatedNameChoiceField

TYPE_CHOICES = [
    ("", "Any"),
    ("auth.", "Sign-in and sessions"),
    ("account.", "Accounts, roles and teams"),
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

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].widget.choices = [("", "Any"), *[(c.pk, c.name) for c in channels]]
