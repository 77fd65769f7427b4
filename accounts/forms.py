from __future__ import annotations

from django import forms

from socialdesk.text import SingleLineField

_CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "text",
    "autocapitalize": "off",
    "spellcheck": "false",
}


class TokenForm(forms.Form):
    token = SingleLineField(
        label="Code from your authenticator app, or a recovery code",
        max_length=20,
        widget=forms.TextInput(attrs=_CODE_ATTRS),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = SingleLineField(
        label="Code from your authenticator app, or a recovery code",
        max_length=20,
        widget=forms.TextInput(attrs=_CODE_ATTRS),
    )

    def __init__(self, *args, with_second_factor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_second_factor:
            del self.fields["token"]


class EmailForm(forms.Form):
    email = forms.EmailField(label="New e-mail address")


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "A year"), ("", "Never")]

    name = SingleLineField(
        label="What the token is for", max_length=100, help_text="For example: reporting script"
    )
    expires_in_days = forms.TypedChoiceField(
        label="Stops working after",
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )


class NotificationPreferencesForm(forms.Form):
    email_on_assignment = forms.BooleanField(required=False)
