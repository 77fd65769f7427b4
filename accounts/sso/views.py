"""The sign-in page (password, and the SSO button when configured), the two
ends of the OpenID Connect flow, and the page for people with no role yet."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import access, reauth_state
from accounts.services.sso import sso_refusal_record
from accounts.sso.backends import REAUTH_ASKED_AT

SSO_FAILED = (
    "Single sign-on did not work. Try again; if it keeps failing, ask an admin "
    "to check your account."
)


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            sso_enabled=settings.SSO_ENABLED,
            sso_only=settings.SSO_ONLY,
            sso_provider=settings.SSO_PROVIDER_NAME,
        )
        return context


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE
    verifier kept in the session. With ``?reauth=1`` (the "confirm it's you"
    page) the provider is asked to check the person again, not to reuse its
    own session, and the backend holds it to that (``auth_time``)."""

    def get(self, request):
        if not settings.SSO_ENABLED:
            raise Http404("Single sign-on is not configured")
        return super().get(request)

    def get_extra_params(self, request):
        params = dict(super().get_extra_params(request))
        if request.GET.get("reauth") == "1" and request.user.is_authenticated:
            request.session[REAUTH_ASKED_AT] = time.time()
            params.update(prompt="login", max_age="0")
        else:
            request.session.pop(REAUTH_ASKED_AT, None)
        return params


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code and the state."""

    def get(self, request):
        if not settings.SSO_ENABLED:
            raise Http404("Single sign-on is not configured")
        refusal = _callback_refusal(request)
        if refusal:
            sso_refusal_record(reason=refusal, issuer=settings.OIDC_OP_ISSUER)
            return self.login_failure()
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            sso_refusal_record(reason=str(exc), issuer=settings.OIDC_OP_ISSUER)
            return self.login_failure()

    def login_failure(self):
        messages.error(self.request, SSO_FAILED)
        return HttpResponseRedirect(reverse("login"))

    def login_success(self):
        response = super().login_success()
        self.request.session.pop(REAUTH_ASKED_AT, None)
        reauth_state.sso_signed_in(self.request.session)
        return response


def _callback_refusal(request) -> str | None:
    """Why this callback is refused before any code exchange, or None."""
    if request.GET.get("error"):
        return f"the provider answered {request.GET['error'][:100]}"
    state = request.GET.get("state")
    if not state or not request.GET.get("code"):
        return "callback without a code and state"
    if state not in request.session.get("oidc_states", {}):
        # A login CSRF, a replayed callback, or another browser's callback.
        return "the state does not match a sign-in started in this browser"
    return None


@login_required
def access_pending(request):
    if access.role_of(request.user) is not None:
        return redirect("inbox:list")
    return render(request, "accounts/access_pending.html")
