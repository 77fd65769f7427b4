"""Session policy (idle timeout, absolute lifetime) and the MFA gate."""

from __future__ import annotations

import time
from functools import partial

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts import access, reauth_state
from accounts.services import mfa, sessions
from events.services import event_record

# Requests the page makes on its own (htmx polling, presence heartbeats) send
# this header: they must not keep an unattended session alive.
BACKGROUND_HEADER = "X-SocialDesk-Background"
TOUCH_EVERY = 60  # seconds: don't write the session on every request


def _redirect(request, url: str):
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request)
            if expired:
                event_record(
                    type="auth.session_expired",
                    actor=user,
                    data={"target": f"user:{user.pk}", "reason": expired},
                )
                sessions.session_forget(session_key=request.session.session_key or "")
                logout(request)
                return _redirect(request, reverse("login") + "?" + urlencode({"expired": expired}))
        return self.get_response(request)

    @staticmethod
    def _expired(request) -> str | None:
        session = request.session
        now = time.time()
        started = session.setdefault("auth_started", now)
        last = session.setdefault("last_activity", now)
        if now - started > settings.SESSION_COOKIE_AGE:
            return "lifetime"
        if now - last > settings.SESSION_IDLE_SECONDS:
            return "idle"
        if not request.headers.get(BACKGROUND_HEADER) and now - last > TOUCH_EVERY:
            session["last_activity"] = now
            sessions.session_touch(session_key=session.session_key or "")
        return None


# Whether the user has a second factor, remembered in the session for this
# long when the answer is no (a yes never changes back on its own): the gate
# runs on every request, polls included. A device is only added by its owner
# through a flow that verifies that session, so the delay only matters to the
# owner's other, older sessions, and for at most this long.
DEVICE_RECHECK_SECONDS = 60
DEVICE_KEY = "mfa_has_device"


def _has_device(request, user) -> bool:
    now = time.time()
    known = request.session.get(DEVICE_KEY)
    if known and (known[0] or now - known[1] < DEVICE_RECHECK_SECONDS):
        return known[0]
    has = mfa.user_has_device(user)
    request.session[DEVICE_KEY] = [has, now]
    return has


# What a session that gave only the password may reach: the second step
# itself, first enrolment for someone with no second factor yet (checked
# below), and signing out. Everything else, the rest of /account/ included,
# waits for the second factor (issue 15). Exact paths, not prefixes.
MFA_VERIFY_PATHS = frozenset({"/account/mfa/verify/", "/logout/"})
MFA_ENROL_PATH = "/account/mfa/setup/"
# Refusals worth a security event: a change attempted, the API, the account
# area. Plain page loads are the normal way to the second step after signing in.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WATCHED_PREFIXES = ("/api/", "/account/", "/admin/")
API_REFUSAL = (
    "Two-step sign-in is not complete for this session. "
    "Enter the code from your authenticator app at /account/mfa/verify/ first."
)


def _gate_open(request, user) -> bool:
    path = request.path
    if path in MFA_VERIFY_PATHS:
        return True
    # Fresh from the database: the session's remembered answer may be a
    # minute old, and enrolling over an existing device replaces it.
    return path == MFA_ENROL_PATH and not mfa.user_has_device(user)


class MfaRequiredMiddleware:
    """Admins and managers (and everyone, if configured, or anyone who has a
    second factor) must pass it before anything else; the password alone
    opens nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            # Single sign-on leaves the second factor to the identity provider.
            and not reauth_state.second_factor_by_provider(request.session)
            and mfa.mfa_required(user, has_device=partial(_has_device, request))
            and not _gate_open(request, user)
        ):
            return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, user):
        if request.method not in _SAFE_METHODS or request.path.startswith(_WATCHED_PREFIXES):
            mfa.mfa_refusal_record(
                user=user,
                method=request.method,
                path=request.path,
                reason="second factor not given",
            )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": API_REFUSAL}, status=403)
        target = reverse("mfa_verify" if mfa.user_has_device(user) else "mfa_setup")
        nxt = request.get_full_path()
        if request.method == "GET" and url_has_allowed_host_and_scheme(
            nxt, allowed_hosts={request.get_host()}
        ):
            target += "?" + urlencode({"next": nxt})
        return _redirect(request, target)


# What someone with no role yet may reach: the page that says so, and signing out.
ACCESS_PENDING_PATHS = frozenset({"/account/waiting/", "/logout/"})


class AccessPendingMiddleware:
    """A person with no role in any team (typically just created by single
    sign-on) sees the "waiting for access" page and nothing else, until an
    admin grants a role or the groups claim maps to one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path not in ACCESS_PENDING_PATHS
            and access.role_of(user) is None
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "You have no role in SocialDesk yet."}, status=403)
            return _redirect(request, reverse("access_pending"))
        return self.get_response(request)
