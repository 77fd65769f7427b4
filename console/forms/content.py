"""Forms of the content settings pages (canned responses, labels, keyword
lists). They check shape only; the services decide what is allowed."""

from __future__ import annotations

from typing import cast

from django import forms

from accounts.models import Team, User
from inbox.content_selectors import teams_managed_by
from inbox.services.canned import MAX_TEXT, MAX_TITLE, PLACEHOLDERS
from inbox.services.labels import LABEL_COLOURS
from socialdesk.text import MultiLineField, SingleLineField


def placeholder_help() -> str:
    names = ["{" + name + "}" for name in PLACEHOLDERS]
    return f"You can use {', '.join(names[:-1])} and {names[-1]} (explained below)."


class CannedResponseForm(forms.Form):
    title = SingleLineField(label="Title", max_length=MAX_TITLE)
    text = MultiLineField(
        label="Text",
        help_text=placeholder_help(),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TEXT,
    )
    teams: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="Offered to",
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user: User, admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["teams"])
        field.queryset = teams_managed_by(user=user)
        if admin:
            field.help_text = "No team ticked: offered to everyone."
        else:
            field.required = True
            if not self.is_bound and not self.initial and field.queryset.count() == 1:
                self.initial["teams"] = list(field.queryset)  # their only team
            field.help_text = "The teams you manage that see it in the composer."
            field.error_messages["required"] = "Choose at least one team."


class LabelForm(forms.Form):
    name = SingleLineField(label="Name", max_length=60)
    colour = forms.ChoiceField(label="Colour", choices=list(LABEL_COLOURS.items()))

    def __init__(self, *args, current_colour: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current_colour and current_colour not in LABEL_COLOURS:
            # A colour set through the API stays choosable, so saving a rename
            # does not silently change it.
            field = cast(forms.ChoiceField, self.fields["colour"])
            field.choices = [
                (current_colour, f"Current ({current_colour})"),
                *LABEL_COLOURS.items(),
            ]


class LabelCreateForm(forms.Form):
    name = SingleLineField(label="Name", max_length=60)


class TermForm(forms.Form):
    # No max_length here: the service says what is too long, in words.
    term = SingleLineField(label="Word or phrase")

    def __init__(self, *args, list_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if list_name:
            # Three of these on one page: each label names its list.
            self.fields["term"].label = f"Add a word or phrase to {list_name}"
