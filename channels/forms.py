"""Forms of the channel connection pages. Secrets use password inputs that
never render their value back (a re-shown form asks for them again)."""

from __future__ import annotations

from typing import cast

from django import forms

from accounts.models import Team
from socialdesk.text import SingleLineField

TOKEN_WIDGET = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class _TeamsMixin(forms.Form):
    name = SingleLineField(
        max_length=120,
        required=False,
        help_text="Shown to officers. Leave empty to use the account's own name.",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Officers of these teams will see the channel's conversations.",
    )


class XConnectForm(_TeamsMixin):
    access_token = SingleLineField(max_length=300, widget=TOKEN_WIDGET)
    access_token_secret = SingleLineField(max_length=300, widget=TOKEN_WIDGET)


class XChooseForm(_TeamsMixin):
    """After Sign in with X: the tokens came from X, so only name and teams are asked."""


class FacebookConnectForm(_TeamsMixin):
    page_id = forms.RegexField(
        regex=r"^\d{1,30}$",
        max_length=30,
        label="Page id",
        error_messages={"invalid": "A Page id is a number, e.g. 104857600000."},
    )
    page_access_token = SingleLineField(max_length=500, widget=TOKEN_WIDGET)


class MastodonInstanceForm(forms.Form):
    instance = SingleLineField(
        max_length=253,
        label="Instance",
        help_text="The server the account is on, e.g. mastodon.social or social.example.gov.uk.",
        widget=forms.TextInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )


class MastodonReconnectForm(forms.Form):
    """Check the stored token again; a new one comes from signing in again."""


class BlueskyConnectForm(_TeamsMixin):
    identifier = SingleLineField(
        max_length=253,
        label="Handle",
        help_text="The account's Bluesky handle, e.g. riversidecouncil.bsky.social.",
    )
    app_password = SingleLineField(
        max_length=100,
        widget=TOKEN_WIDGET,
        label="App password",
        help_text=(
            "Create one in Bluesky under Settings, Privacy and security, App passwords, "
            "with access to direct messages. It is stored encrypted and never shown again."
        ),
    )


class BlueskyReconnectForm(forms.Form):
    app_password = SingleLineField(
        max_length=100,
        widget=TOKEN_WIDGET,
        required=False,
        label="New app password",
        help_text="Leave empty to sign in again with the stored one.",
    )


class FacebookChooseForm(_TeamsMixin):
    page = forms.ChoiceField(widget=forms.RadioSelect, label="Page")
    with_instagram = forms.BooleanField(
        required=False,
        initial=True,
        label="Also connect the Page's linked Instagram professional account",
        help_text="Its comments, replies, tags and direct messages, covered by the same teams.",
    )

    def __init__(self, *args, pages: list[dict[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["page"]).choices = [(p["id"], p["name"]) for p in pages]


class XReconnectForm(forms.Form):
    access_token = SingleLineField(max_length=300, widget=TOKEN_WIDGET, required=False)
    access_token_secret = SingleLineField(max_length=300, widget=TOKEN_WIDGET, required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if bool(data.get("access_token")) != bool(data.get("access_token_secret")):
            raise forms.ValidationError(
                "Give both the access token and its secret, or neither to keep the current ones."
            )
        return data


class FacebookReconnectForm(forms.Form):
    page_access_token = SingleLineField(max_length=500, widget=TOKEN_WIDGET, required=False)
