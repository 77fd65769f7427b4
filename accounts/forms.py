from __future__ import annotations

from django import forms

from socialdesk.text import SingleLineField


class TokenForm(forms.Form):
    token = SingleLineField(
        label="Code from your authenticator app, or a recovery code",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label="New e-mail address")
