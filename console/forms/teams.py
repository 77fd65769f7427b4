"""Forms of the teams and memberships settings pages. They validate input
only; the changes are accounts.services.teams and channels.services.coverage."""

from __future__ import annotations

from django import forms

from accounts.models import Role, Team, User
from inbox.models import Channel
from socialdesk.text import SingleLineField

ROLE_HINT = (
    "Viewer: reads the team's channels, changes nothing (auditors). "
    "Officer: reads and answers. Manager: also the team's settings, approvals and "
    "figures. Admin: everything, on every team."
)


class TeamNameForm(forms.Form):
    name = SingleLineField(label="Team name", max_length=120)


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), empty_label="Choose a person"
    )
    role = forms.ChoiceField(label="Role in this team", choices=Role.choices, help_text=ROLE_HINT)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        # People not yet in the team; changing a member's role is its own form.
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True)
            .exclude(memberships__team=team)
            .order_by("display_name", "username")
        )
        self.fields["role"].initial = Role.OFFICER


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class TeamChannelsForm(forms.Form):
    channels = forms.ModelMultipleChoiceField(
        label="Channels this team covers",
        queryset=Channel.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The team's people see these channels' conversations, with their role here.",
    )
