"""Forms of the contact card, the hide-with-a-reason form and the house rules
page (kept apart from ``inbox.forms``, which holds the triage controls')."""

from __future__ import annotations

from django import forms

from inbox.models import Network
from inbox.services.contacts import MAX_NOTE
from inbox.services.moderation import MAX_NOTE as MAX_HIDE_NOTE
from inbox.services.moderation import MAX_RULE_TEXT
from socialdesk.text import MultiLineField, SingleLineField

OTHER = "other"


class ContactNoteForm(forms.Form):
    text = MultiLineField(
        label="Add a note about this person",
        help_text="Colleagues see it on every conversation with them.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_NOTE,
    )


class ContactLinkForm(forms.Form):
    network = forms.ChoiceField(label="Network", choices=Network.choices)
    handle = SingleLineField(
        label="Their handle there",
        help_text="A contact you have met on one of your channels, e.g. @jo_resident.",
        max_length=120,
    )

    def clean_handle(self) -> str:
        return self.cleaned_data["handle"].strip().removeprefix("@")


class HideForm(forms.Form):
    """``rule`` is a house rule's id or "other"; the view resolves it."""

    rule = SingleLineField(
        max_length=20,
        error_messages={"required": "Choose the house rule this breaks, or “Other”."},
    )
    note = MultiLineField(required=False, max_length=MAX_HIDE_NOTE)


class HouseRuleForm(forms.Form):
    title = SingleLineField(label="Title", max_length=120)
    text = MultiLineField(
        label="The rule, as the public reads it",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_RULE_TEXT,
    )
