"""The reply-approval settings form: where a rule applies and whose replies
it holds. The choices offered are only the teams, channels and people the
signed-in manager may name; the service checks again."""

from __future__ import annotations

from django import forms

from accounts import access
from accounts.models import REPLYING_ROLE_CHOICES, Membership, Team, User
from inbox.models import Channel
from inbox.services.approval_rules import MAX_NEW_STARTER_DAYS
from socialdesk.text import SingleLineField


class ApprovalRuleForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="Any team",
        label="Team",
        help_text="Replies by this team's members on the channels it covers.",
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.none(),
        required=False,
        empty_label="Any channel",
        label="Channel",
        help_text="Replies on this channel only.",
    )
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Anyone",
        label="Person",
    )
    role = forms.ChoiceField(
        choices=[("", "Any role"), *REPLYING_ROLE_CHOICES],
        required=False,
        label="Role",
        help_text="The role held in the team that covers the channel.",
    )
    new_starter_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_NEW_STARTER_DAYS,
        label="New starters: for how many days (optional)",
        help_text="Counted from when they joined the team (or SocialDesk, with no team chosen).",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}),
    )
    note = SingleLineField(
        required=False, max_length=200, label="Why (optional)", help_text="Shown in the list."
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        managed = access.managed_team_ids(actor)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.filter(pk__in=managed)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ModelChoiceField)
        channel_field.queryset = access.channels_managed_by(actor).order_by("name")
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        people = User.objects.filter(is_active=True)
        if not access.is_admin(actor):
            people = people.filter(
                pk__in=Membership.objects.filter(team_id__in=managed).values("user_id")
            )
        user_field.queryset = people.order_by("username")
        if access.is_admin(actor):
            team_field.empty_label = "Any team (every channel, unless a channel is chosen)"
        else:
            team_field.help_text += " Choose a team or a channel: managers' rules need one."
