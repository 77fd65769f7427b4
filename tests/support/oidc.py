"""The sandbox's OpenID Connect provider wired to the app, and the
authorisation-code flow driven over HTTP: the Django test client plays the
browser at our end, requests plays it at the provider's sign-in form."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from sandbox.oidc_store import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD


def idp_configure(settings, control, *, redirect_uri: str) -> str:
    """Point the app at the sandbox provider and register our callback there
    (exactly, as a real provider requires). Returns the issuer."""
    issuer = control.url + "/oidc"
    control.post(
        "/_sandbox/oidc/clients",
        {
            "client_id": DEFAULT_CLIENT_ID,
            "secret": DEFAULT_CLIENT_SECRET,
            "redirect_uris": [redirect_uri],
        },
    )
    settings.SSO_ENABLED = True
    settings.SSO_PROVIDER_NAME = "Sandbox ID"
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = DEFAULT_CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = DEFAULT_CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = issuer + "/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = issuer + "/token"
    settings.OIDC_OP_USER_ENDPOINT = issuer + "/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = issuer + "/jwks"
    settings.SSO_GROUPS_CLAIM = ""
    settings.SSO_GROUP_ROLES = []
    settings.SSO_ONLY = False
    settings.SSO_TRUST_EMAIL = False
    return issuer


@dataclass
class ProviderAnswer:
    """Where the provider sent the browser back to, split up."""

    path: str
    params: dict[str, str]

    @property
    def url(self) -> str:
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in self.params.items())


def provider_sign_in(authorize_url: str, username: str, password: str = DEFAULT_PASSWORD):
    """Fill in the provider's sign-in form for the request in ``authorize_url``."""
    parts = urlsplit(authorize_url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    form = requests.get(authorize_url, timeout=10)
    assert form.status_code == 200, form.text
    answer = requests.post(
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        data={**params, "username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return ProviderAnswer(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def sso_begin(client) -> str:
    """Press "Sign in with ..."; returns the provider URL the app sent us to."""
    start = client.get("/sso/start/")
    assert start.status_code == 302, start
    return start["Location"]


def sso_sign_in(client, username: str, password: str = DEFAULT_PASSWORD):
    """The whole flow; returns the app's answer to the callback."""
    back = provider_sign_in(sso_begin(client), username, password)
    return client.get(back.path, back.params)
