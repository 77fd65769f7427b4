"""How recently, and with which factors, this session proved who it is.

Account changes (a new authenticator, new recovery codes, API tokens, e-mail,
password) need a session that passed the second factor *and* a fresh proof:
the password and, for anyone who has a second factor, a code from it. Knowing
the password alone must never be enough to change how one signs in (issue 15:
a password-only session could reset the recovery codes and use one).

Session keys: ``password_at`` when the password was given at sign-in;
``reauth_at`` with ``reauth_mfa`` when the person last proved themselves with
every factor they have (the sign-in's second step counts, stamped with the
time the password was given, so it goes stale as a re-authentication would).
"""

from __future__ import annotations

import time

from django.conf import settings

from accounts.services import mfa

PASSWORD_AT = "password_at"
# Set when the session was opened by single sign-on: the identity provider
# checked the person (and their second factor, by its own policy) just now.
SSO_AT = "sso_at"
REAUTH_AT = "reauth_at"
REAUTH_MFA = "reauth_mfa"


def password_given(session) -> None:
    """At password sign-in: deliberately not a re-authentication."""
    session[PASSWORD_AT] = time.time()
    session.pop(REAUTH_AT, None)
    session.pop(REAUTH_MFA, None)


def second_factor_passed(session) -> None:
    """The sign-in's second step (or a first enrolment) completed it: the
    proof is as old as the password that began it."""
    session[REAUTH_AT] = session.get(PASSWORD_AT, 0)
    session[REAUTH_MFA] = True


def sso_signed_in(session) -> None:
    """At single sign-on: the provider's sign-in stands for both factors, as
    fresh as a re-authentication."""
    now = time.time()
    session[SSO_AT] = now
    # No password was given (the sign-in signal assumes one).
    session.pop(PASSWORD_AT, None)
    session[REAUTH_AT] = now
    session[REAUTH_MFA] = True


def second_factor_by_provider(session) -> bool:
    return bool(session.get(SSO_AT))


def reauthenticated(session, *, with_second_factor: bool) -> None:
    session[REAUTH_AT] = time.time()
    session[REAUTH_MFA] = with_second_factor


def needs_second_factor(request) -> bool:
    """The session has not passed the second factor its user must give."""
    user = request.user
    if second_factor_by_provider(request.session):
        return False
    return not user.is_verified() and (mfa.user_has_device(user) or mfa.mfa_required(user))


def is_fresh(request) -> bool:
    """Proved recently enough, with every factor the user has, for an account change."""
    session = request.session
    has_device = mfa.user_has_device(request.user)
    stamps = [session.get(REAUTH_AT, 0)] if session.get(REAUTH_MFA) or not has_device else []
    if not has_device:
        # Someone with no second factor re-authenticates with the password alone.
        stamps.append(session.get(PASSWORD_AT, 0))
    return time.time() - max(stamps, default=0) <= settings.REAUTH_SECONDS
