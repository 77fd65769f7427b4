"""Authentication backends: passwords (refused under SSO_ONLY) and OpenID Connect."""

from __future__ import annotations

import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.services.sso import SsoRefused, sso_refusal_record, sso_user_for_claims
from events.services import event_record

# Clock difference tolerated between us and the provider, in seconds.
LEEWAY = 60
# Session key: when this session asked the provider to check the person again.
REAUTH_ASKED_AT = "sso_reauth_asked_at"


class PasswordBackend(ModelBackend):
    """Django's password check. With SSO_ONLY on, only superusers (the
    break-glass accounts) may use a password, wherever it is given: the
    sign-in page, the admin's sign-in, or any other caller of authenticate()."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if settings.SSO_ONLY and not user.is_superuser:
            event_record(
                type="auth.password_refused",
                data={"target": f"user:{user.pk}", "reason": "SSO_ONLY: sign in with SSO"},
            )
            return False
        return True


class OidcBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, with the ID token checks it leaves out
    (issuer, audience, authorised party, expiry) and SocialDesk's own account
    matching (accounts/services/sso.py). Every refusal is recorded."""

    def authenticate(self, request, **kwargs: Any):
        # Only the SSO callback passes a nonce. Without this, any caller of
        # authenticate() (the password form with ?code=&state= in its URL)
        # would run the code exchange with no state or nonce check at all.
        if not settings.SSO_ENABLED or request is None or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        # PyJWT's own expiry and issued-at checks raise its errors, which
        # mozilla-django-oidc lets through (a 500 for an expired token).
        except (
            SuspiciousOperation,
            jwt.PyJWTError,
            requests.RequestException,
            ValueError,
            KeyError,
        ) as exc:
            reason = f"{exc.__class__.__name__}: {exc}"[:300]
            sso_refusal_record(reason=reason, issuer=settings.OIDC_OP_ISSUER)
            return None

    def verify_token(self, token, **kwargs):
        # The signature and the nonce (which authenticate() always has) are
        # checked by mozilla-django-oidc; the rest here.
        payload = super().verify_token(token, **kwargs)
        _check_claims(payload)
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        try:
            claims = self._claims(access_token, id_token, payload)
        except SuspiciousOperation as exc:
            # Recorded here: mozilla-django-oidc would swallow it with a log line.
            sso_refusal_record(reason=str(exc), issuer=settings.OIDC_OP_ISSUER)
            return None
        try:
            return sso_user_for_claims(issuer=settings.OIDC_OP_ISSUER, claims=claims)
        except SsoRefused:
            return None  # recorded by the service

    def _claims(self, access_token, id_token, payload) -> dict[str, Any]:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: userinfo for another subject is an attack
        # (a swapped access token), not a detail.
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("userinfo answered for another subject")
        asked = self.request.session.get(REAUTH_ASKED_AT)
        if asked and payload.get("auth_time", 0) < asked - LEEWAY:
            # prompt=login was asked for, but the provider reused its session.
            raise SuspiciousOperation("the provider did not check the person again")
        # The signed ID token wins over userinfo where both say something.
        return {**userinfo, **payload}


def _check_claims(payload: dict[str, Any]) -> None:
    """OpenID Connect Core 3.1.3.7, the checks mozilla-django-oidc skips."""
    client_id = settings.OIDC_RP_CLIENT_ID
    if payload.get("iss") != settings.OIDC_OP_ISSUER:
        raise SuspiciousOperation("ID token from another issuer")
    audience = payload.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise SuspiciousOperation("ID token issued to another client")
    azp = payload.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise SuspiciousOperation("ID token authorised for another party")
    now = time.time()
    exp = payload.get("exp")
    if not isinstance(exp, int | float) or exp < now - LEEWAY:
        raise SuspiciousOperation("ID token expired")
    iat = payload.get("iat")
    if isinstance(iat, int | float) and iat > now + LEEWAY:
        raise SuspiciousOperation("ID token issued in the future")
