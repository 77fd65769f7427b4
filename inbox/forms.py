"""Forms validate input only; views pass the cleaned data to one service."""

from __future__ import annotations

import uuid
from typing import cast

from django import forms

from inbox.models import ConversationKind, Network, Priority, Status
from inbox.selectors import SAVED_VIEWS, InboxFilters
from inbox.services.bulk_actions import BULK_ACTIONS
from socialdesk.text import MultiLineField, SingleLineField


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class NoteForm(forms.Form):
    text = MultiLineField(
        label="Add a note (only colleagues see it; @username notifies them)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={
            "required": "A note needs some text.",
            "max_length": "A note can be at most 5,000 characters (it has %(show_value)d).",
        },
    )


SORTS = ("recent", "due")
MAX_PAGE = 10_000


def _positive_int(value: str | None, *, most: int | None = None) -> int | None:
    try:
        number = int(value.strip()) if value else None
    except ValueError:
        return None
    if number is None or number < 1 or (most is not None and number > most):
        return None
    return number


def _one_of(value: str | None, allowed) -> str:
    return value if value is not None and value in allowed else ""


_VIEWS = {key for key, _ in SAVED_VIEWS}
_NETWORKS = set(Network.values)
_STATUSES = set(Status.values)
_KINDS = set(ConversationKind.values)
_PRIORITIES = {str(value): value for value in Priority.values}


def inbox_filters(params) -> tuple[InboxFilters, int]:
    """The left pane's saved view and filters, and the page number, from a
    query string. Unknown values are dropped rather than refused: a stale
    bookmark still opens the inbox.

    Plain code rather than a Django form: every officer's browser sends this
    every few seconds, and a form deep-copies its eleven fields per request,
    which cost more than the rest of the parsing together."""
    get = params.get
    filters = InboxFilters(
        view=_one_of(get("view"), _VIEWS) or "all",
        channel_id=_positive_int(get("channel")),
        network=_one_of(get("network"), _NETWORKS),
        status=_one_of(get("status"), _STATUSES),
        priority=_PRIORITIES.get(get("priority") or ""),
        label_id=_positive_int(get("label")),
        assignee_id=_positive_int(get("assignee")),
        kind=_one_of(get("kind"), _KINDS),
        # As a checkbox (and Django's BooleanField) reads it.
        needs_reply=(get("needs_reply") or "").lower() not in ("", "false", "0"),
        sort=_one_of(get("sort"), SORTS) or "recent",
    )
    return filters, _positive_int(get("page"), most=MAX_PAGE) or 1


def filters_params(filters: InboxFilters) -> dict[str, str]:
    """The query-string parameters that give ``filters`` back through
    ``inbox_filters``, defaults left out: the normal form a saved view keeps
    (equal filters, equal dicts)."""
    pairs = {
        "view": "" if filters.view == "all" else filters.view,
        "channel": str(filters.channel_id or ""),
        "network": filters.network,
        "kind": filters.kind,
        "status": filters.status,
        "priority": "" if filters.priority is None else str(filters.priority),
        "label": str(filters.label_id or ""),
        "assignee": str(filters.assignee_id or ""),
        "needs_reply": "on" if filters.needs_reply else "",
        "sort": "" if filters.sort == "recent" else filters.sort,
    }
    return {key: value for key, value in pairs.items() if value}


class SavedViewForm(forms.Form):
    """Save the list's current filters under a name; ``team``: "" or one of
    the officer's teams (the service checks the membership)."""

    name = SingleLineField(
        label="Name for this view",
        max_length=60,
        error_messages={
            "required": "Give the view a name.",
            "max_length": "A view's name can be at most 60 characters.",
        },
    )
    team = forms.ChoiceField(label="Share with", required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", "Nobody (only me)")] + [
            (str(t.pk), t.name) for t in teams
        ]


class SavedViewRenameForm(forms.Form):
    name = SavedViewForm.base_fields["name"]


class AssignForm(forms.Form):
    """``assignee``: "me", a colleague's id, or "" for nobody; ``team``: a team id or ""."""

    assignee = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)

    def __init__(self, *args, colleagues=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", "Nobody"),
            ("me", "Me"),
        ] + [(str(u.pk), str(u)) for u in colleagues]
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", "No team")] + [
            (str(t.pk), t.name) for t in teams
        ]


class LabelForm(forms.Form):
    label = forms.ChoiceField()
    remove = forms.BooleanField(required=False)

    def __init__(self, *args, labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["label"]).choices = [
            (str(lb.pk), lb.name) for lb in labels
        ]


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)


SNOOZE_PRESETS = (
    ("1h", "For 1 hour"),
    ("3h", "For 3 hours"),
    ("tomorrow", "Until tomorrow, 9:00"),
    ("monday", "Until Monday, 9:00"),
)


class SnoozeForm(forms.Form):
    """A preset, or a date and time typed in the organisation's time zone
    (what ``<input type=datetime-local>`` sends)."""

    preset = forms.ChoiceField(choices=SNOOZE_PRESETS, required=False)
    until = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a date and time, like 2026-12-07 09:30."},
    )

    def clean(self):
        data = super().clean() or {}
        if not self.errors and not data.get("preset") and not data.get("until"):
            raise forms.ValidationError("Choose how long to snooze for, or a date and time.")
        return data


class LabelsSetForm(forms.Form):
    labels = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["labels"]).choices = [
            (str(lb.pk), lb.name) for lb in labels
        ]


class LabelCreateForm(forms.Form):
    name = SingleLineField(label="New label", max_length=60)


class ReplyForm(forms.Form):
    text = MultiLineField(label="Reply", widget=forms.Textarea(attrs={"rows": 5}))
    # One key per rendered form: a double-clicked Send queues one reply.
    idempotency_key = SingleLineField(widget=forms.HiddenInput, max_length=64, min_length=16)
    # The newest outbound message the officer had seen when the composer opened.
    seen_outbound_id = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    private = forms.BooleanField(required=False, label="Reply privately (direct message)")
    image = forms.FileField(required=False, label="Picture (optional)")
    image_alt = MultiLineField(required=False, max_length=1000, label="Describe the picture")

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex


class BlockForm(forms.Form):
    reason = MultiLineField(
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
    assignee = SingleLineField(required=False, max_length=20)
    team = forms.IntegerField(required=False, min_value=1)
    label = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is acceptable here; the selector decides what the user may touch.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        cast(forms.ChoiceField, self.fields["ids"]).choices = [
            (v, v) for v in raw if str(v).isdigit()
        ]
        self.fields["ids"].error_messages["required"] = "Select at least one conversation."
        self.fields["ids"].error_messages["invalid_choice"] = "That selection is not valid."


class SearchForm(forms.Form):
    q = SingleLineField(label="Search messages, names and handles", max_length=200)


class AbuseTermForm(forms.Form):
    term = SingleLineField(label="Word or phrase", max_length=100)


class ApprovalForm(forms.Form):
    """A held reply's approval or rejection; ``text`` left out sends the reply
    as written."""

    text = MultiLineField(required=False, strip=False)
    comment = MultiLineField(required=False)
