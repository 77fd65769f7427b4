"""Account security pages: MFA set-up and verification, re-authentication,
sessions, e-mail and password changes."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import reauth_state
from accounts.forms import (
    ApiTokenForm,
    EmailForm,
    NotificationPreferencesForm,
    ReauthForm,
    TokenForm,
)
from accounts.models import ApiToken, UserSession
from accounts.services import mfa, preferences, sessions, tokens
from events.context import client_ip
from events.services import event_record


def _safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _with_next(name: str, request) -> str:
    return reverse(name) + "?" + urlencode({"next": request.get_full_path()})


def _reauth_refusal(request):
    """Why this session may not make an account change now, as the response
    that says so, or None when it may."""
    if reauth_state.needs_second_factor(request):
        # The MFA gate keeps such sessions out of here; this is the second lock.
        mfa.mfa_refusal_record(
            user=request.user,
            method=request.method,
            path=request.path,
            reason="account change without the second factor",
        )
        return redirect(_with_next("mfa_verify", request))
    if not reauth_state.is_fresh(request):
        return redirect(_with_next("reauth", request))
    return None


def reauth_required(view):
    """An account change: the session must have passed the second factor, and
    the person must have proved themselves again with every factor they have
    in the last few minutes (ASVS 7.5.1, issue 15)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return _reauth_refusal(request) or view(request, *args, **kwargs)

    return wrapper


@login_required
def reauth(request):
    with_code = mfa.user_has_device(request.user)
    form = ReauthForm(request.POST or None, with_second_factor=with_code)
    if request.method == "POST" and form.is_valid():
        if _reauth_check(request, form, with_code):
            reauth_state.reauthenticated(request.session, with_second_factor=with_code)
            event_record(
                type="auth.reauthenticated",
                actor=request.user,
                data={"target": f"user:{request.user.pk}", "second_factor": with_code},
            )
            return redirect(_safe_next(request, reverse("security")))
        event_record(
            type="auth.reauth_failed",
            actor=request.user,
            data={"target": f"user:{request.user.pk}"},
        )
        form.add_error(None, "That did not work. Check your password and the code, then try again.")
    return render(
        request,
        "security/reauth.html",
        {
            "form": form,
            "next": _safe_next(request, ""),
            "with_code": with_code,
            # People who sign in through the provider confirm it there.
            "sso_reauth": settings.SSO_ENABLED and request.user.sso_identities.exists(),
            "sso_provider": settings.SSO_PROVIDER_NAME,
            "sso_next": _safe_next(request, reverse("security")),
            "has_password": request.user.has_usable_password(),
        },
    )


def _reauth_check(request, form, with_code: bool) -> bool:
    # Both are always checked, so the answer does not tell which one was wrong.
    password_ok = request.user.check_password(form.cleaned_data["password"])
    if not with_code:
        return password_ok
    device = mfa.mfa_verify(user=request.user, token=form.cleaned_data["token"])
    return password_ok and device is not None


@login_required
def mfa_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.mfa_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            _second_factor_passed(request, device)
            event_record(
                type="auth.mfa_verified",
                actor=request.user,
                data={"target": f"user:{request.user.pk}", "method": device.__class__.__name__},
            )
            return redirect(_safe_next(request, reverse("inbox:list")))
        event_record(
            type="auth.mfa_failed", actor=request.user, data={"target": f"user:{request.user.pk}"}
        )
        form.add_error(
            "token", "That code did not work. Check the time on your phone, or use a recovery code."
        )
    return render(
        request, "security/mfa_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


def _second_factor_passed(request, device) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # new privilege, new session id
    reauth_state.second_factor_passed(request.session)
    sessions.session_register(
        user=request.user,
        session_key=request.session.session_key,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@login_required
def mfa_setup(request):
    """First enrolment (no second factor yet: the password sign-in is enough),
    or replacing one, which is an account change like any other."""
    replacing = mfa.user_has_device(request.user)
    if replacing:
        refusal = _reauth_refusal(request)
        if refusal is not None:
            return refusal
    device = mfa.totp_pending(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.totp_confirm(
                user=request.user,
                device=device,
                token=form.cleaned_data["token"],
                replacing=replacing,
            )
        except mfa.DeviceAlreadySetUp:
            return _enrolment_raced(request)
        if codes is not None:
            _second_factor_passed(request, device)
            return render(
                request,
                "security/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request, reverse("inbox:list"))},
            )
        form.add_error(
            "token",
            "That code did not match. Scan the code again and enter the 6 digits shown now.",
        )
    return render(
        request,
        "security/mfa_setup.html",
        {
            "form": form,
            "replacing": replacing,
            "qr_svg": mfa.totp_qr_svg(device),
            "secret": mfa.totp_secret_text(device),
            "next": _safe_next(request, ""),
        },
    )


def _enrolment_raced(request):
    # Another session set up a second factor while this one was enrolling.
    mfa.mfa_refusal_record(
        user=request.user,
        method=request.method,
        path=request.path,
        reason="first enrolment when a second factor already exists",
    )
    return redirect(_with_next("mfa_verify", request))


@login_required
@reauth_required
@require_POST
def recovery_codes_reset(request):
    codes = mfa.recovery_codes_regenerate(user=request.user)
    return render(
        request, "security/recovery_codes.html", {"codes": codes, "next": reverse("security")}
    )


@login_required
def security(request):
    return render(
        request,
        "security/overview.html",
        {
            "sessions": UserSession.objects.filter(user=request.user),
            "current_key": request.session.session_key,
            "has_mfa": request.user.totpdevice_set.filter(confirmed=True).exists(),
            "mfa_required": mfa.mfa_required(request.user),
            "tokens": tokens.api_tokens_for(user=request.user),
        },
    )


@login_required
@require_POST
def notification_preferences(request):
    form = NotificationPreferencesForm(request.POST)
    form.is_valid()  # a lone optional checkbox: always valid
    preferences.user_notification_preferences_set(
        user=request.user, email_on_assignment=form.cleaned_data["email_on_assignment"]
    )
    messages.success(request, "Your notification settings are saved.")
    return redirect("security")


@login_required
@reauth_required
def api_token_create(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        token, key = tokens.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            verified_mfa=request.user.is_verified(),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        return render(request, "security/api_token_created.html", {"token": token, "key": key})
    return render(request, "security/api_token_create.html", {"form": form})


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    # Revoking takes power away, so it needs no fresh proof: someone who spots
    # a leaked key should be able to stop it at once.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"The token “{token.name}” no longer works.")
    return redirect("security")


@login_required
@require_POST
def session_end(request, pk: int):
    session = get_object_or_404(UserSession, pk=pk, user=request.user)
    sessions.session_end(session=session, actor=request.user, reason="ended by its owner")
    messages.success(request, "That session has been signed out.")
    return redirect("security")


@login_required
@reauth_required
def email_change(request):
    form = EmailForm(request.POST or None, initial={"email": request.user.email})
    if request.method == "POST" and form.is_valid():
        old = request.user.email
        request.user.email = form.cleaned_data["email"]
        request.user.save(update_fields=["email"])
        event_record(
            type="account.email_changed",
            actor=request.user,
            data={"target": f"user:{request.user.pk}", "from": old, "to": request.user.email},
        )
        messages.success(request, "Your e-mail address has been changed.")
        return redirect("security")
    return render(request, "security/email_change.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "security/password_change.html"
    success_url = reverse_lazy("security")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        event_record(
            type="auth.password_changed", actor=form.user, data={"target": f"user:{form.user.pk}"}
        )
        messages.success(self.request, "Your password has been changed.")
        return response


password_change = login_required(reauth_required(PasswordChangeView.as_view()))
