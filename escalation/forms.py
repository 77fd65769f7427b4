"""Forms for the managers' escalation page. Choices are limited to what the
person may see (their channels, their teams' people)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.forms import inlineformset_factory

from accounts import access
from accounts.models import Membership, Team, User
from escalation.models import CrisisMode, EscalationLevel, EscalationRule
from socialdesk.text import IsolatedNamesMultipleChoiceField, MultiLineField, SingleLineField


def _teams_for(user: User):
    """The teams a manager may route to or page: the ones they manage."""
    return Team.objects.filter(pk__in=access.managed_team_ids(user))


def _people_for(user: User):
    if access.is_admin(user):
        return User.objects.filter(is_active=True)
    teams = access.managed_team_ids(user)
    return User.objects.filter(
        is_active=True, pk__in=Membership.objects.filter(team_id__in=teams).values("user_id")
    )


class RuleForm(forms.ModelForm):
    class Meta:
        model = EscalationRule
        fields = [
            "name",
            "description",
            "is_active",
            "channels",
            "keywords",
            "keyword_lists",
            "target_stage",
            "min_followers",
            "verified_author",
            "detractor",
            "min_priority",
            "messenger_window_hours",
            "spike_count",
            "spike_minutes",
            "set_priority",
            "add_label",
            "assign_team",
            "raise_open_escalations",
            "notify_email",
        ]
        field_classes = {
            "name": SingleLineField,
            "description": MultiLineField,
            "keywords": MultiLineField,
        }
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            "keyword_lists": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 2}),
            "keywords": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["channels"]).queryset = access.channels_managed_by(
            user
        ).order_by("name")
        cast(forms.ModelChoiceField, self.fields["assign_team"]).queryset = _teams_for(user)
        if not access.is_admin(user):
            # A rule for every channel (none ticked) is for admins to set.
            self.fields["channels"].required = True
            self.fields["channels"].help_text = "The channels this rule watches."

    def clean(self):
        cleaned = super().clean() or {}
        # The model's own check ("at least one condition") runs next, before
        # the lists are saved: let it count the lists chosen here.
        self.instance.pending_keyword_lists = list(cleaned.get("keyword_lists") or [])
        return cleaned


class LevelForm(forms.ModelForm):
    class Meta:
        model = EscalationLevel
        fields = ["number", "name", "users", "teams", "ack_minutes"]
        field_classes = {"name": SingleLineField, "users": IsolatedNamesMultipleChoiceField}
        widgets = {"users": forms.CheckboxSelectMultiple, "teams": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["users"]).queryset = _people_for(user)
        cast(forms.ModelChoiceField, self.fields["teams"]).queryset = _teams_for(user)


LevelFormSet = inlineformset_factory(
    EscalationRule, EscalationLevel, form=LevelForm, extra=1, max_num=5, can_delete=True
)


class CrisisForm(forms.ModelForm):
    class Meta:
        model = CrisisMode
        fields = [
            "title",
            "channels",
            "holding_statement",
            "keywords",
            "crisis_team",
            "auto_reply_text",
            "target_minutes",
            "limit_minutes",
        ]
        field_classes = {
            "title": SingleLineField,
            "holding_statement": MultiLineField,
            "keywords": MultiLineField,
            "auto_reply_text": MultiLineField,
        }
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            "holding_statement": forms.Textarea(attrs={"rows": 4}),
            "keywords": forms.Textarea(attrs={"rows": 3}),
            "auto_reply_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["channels"]).queryset = access.channels_managed_by(
            user
        )
        cast(forms.ModelChoiceField, self.fields["crisis_team"]).queryset = _teams_for(user)
        if editing:
            del self.fields["channels"]
