"""Forms validate input only; views pass the cleaned data to one service."""

from __future__ import annotations

import uuid

from django import forms

from inbox.models import ConversationKind, Network, Priority, Status
from inbox.selectors import SAVED_VIEWS, InboxFilters
from inbox.services.bulk_actions import BULK_ACTIONS

BLANK = [("", "Any")]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note (only colleagues see it; @username notifies them)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class InboxFilterForm(forms.Form):
    """The left pane's saved view and filters (GET). Unknown values are
    dropped rather than refused: a stale bookmark still opens the inbox."""

    view = forms.ChoiceField(choices=SAVED_VIEWS, required=False)
    channel = forms.IntegerField(required=False, min_value=1)
    network = forms.ChoiceField(choices=BLANK + Network.choices, required=False)
    status = forms.ChoiceField(choices=BLANK + Status.choices, required=False)
    priority = forms.TypedChoiceField(
        choices=BLANK + Priority.choices, coerce=int, empty_value=None, required=False
    )
    label = forms.IntegerField(required=False, min_value=1)
    assignee = forms.IntegerField(required=False, min_value=1)
    kind = forms.ChoiceField(choices=BLANK + ConversationKind.choices, required=False)
    needs_reply = forms.BooleanField(required=False)
    sort = forms.ChoiceField(
        choices=[("recent", "Newest activity"), ("due", "Response due soonest")], required=False
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def filters(self) -> InboxFilters:
        self.is_valid()  # an invalid field is simply left out of cleaned_data
        data = self.cleaned_data
        return InboxFilters(
            view=data.get("view") or "all",
            channel_id=data.get("channel"),
            network=data.get("network") or "",
            status=data.get("status") or "",
            priority=data.get("priority"),
            label_id=data.get("label"),
            assignee_id=data.get("assignee"),
            kind=data.get("kind") or "",
            needs_reply=bool(data.get("needs_reply")),
            sort=data.get("sort") or "recent",
        )

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1


class AssignForm(forms.Form):
    """``assignee``: "me", a colleague's id, or "" for nobody; ``team``: a team id or ""."""

    assignee = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)

    def __init__(self, *args, colleagues=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody"), ("me", "Me")] + [
            (str(u.pk), str(u)) for u in colleagues
        ]
        self.fields["team"].choices = [("", "No team")] + [(str(t.pk), t.name) for t in teams]


class LabelForm(forms.Form):
    label = forms.ChoiceField()
    remove = forms.BooleanField(required=False)

    def __init__(self, *args, labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [(str(lb.pk), lb.name) for lb in labels]


class ReplyForm(forms.Form):
    text = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 5}))
    # One key per rendered form: a double-clicked Send queues one reply.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)
    # The newest outbound message the officer had seen when the composer opened.
    seen_outbound_id = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    private = forms.BooleanField(required=False, label="Reply privately (direct message)")

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex


class BlockForm(forms.Form):
    reason = forms.CharField(
        label="Why are you blocking this contact?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    confirm = forms.BooleanField(
        label="Yes, block this contact",
        error_messages={"required": "Tick the box to confirm the block."},
    )


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)
    action = forms.ChoiceField(choices=[(a, a) for a in BULK_ACTIONS])
    assignee = forms.CharField(required=False, max_length=20)
    team = forms.IntegerField(required=False, min_value=1)
    label = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is acceptable here; the selector decides what the user may touch.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]
        self.fields["ids"].error_messages["required"] = "Select at least one conversation."
        self.fields["ids"].error_messages["invalid_choice"] = "That selection is not valid."


class SearchForm(forms.Form):
    q = forms.CharField(label="Search messages, names and handles", max_length=200)


class AbuseTermForm(forms.Form):
    term = forms.CharField(label="Word or phrase", max_length=100)
