"""Thin hooks: Django's login/logout signals are the only place the session is
known at sign-in; they hand over to the session services."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts import reauth_state
from accounts.services import sessions
from events.context import client_ip


@receiver(user_logged_in)
def _session_started(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if not request.session.session_key:
        request.session.save()
    now = time.time()
    request.session["auth_started"] = now
    request.session["last_activity"] = now
    # The password alone: an account change still needs the second factor and
    # a fresh proof (accounts/reauth_state.py).
    reauth_state.password_given(request.session)
    sessions.session_register(
        user=user,
        session_key=request.session.session_key,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@receiver(user_logged_out)
def _session_finished(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) and request.session.session_key:
        sessions.session_forget(session_key=request.session.session_key)
