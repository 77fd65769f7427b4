"""Account security pages: MFA set-up and verification, re-authentication,
sessions, e-mail and password changes."""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts.forms import EmailForm, ReauthForm, TokenForm
from accounts.models import UserSession
from accounts.services import mfa, sessions
from audit.context import client_ip
from inbox.services.events import event_record


def _safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def reauth_required(view):
    """Ask for the password again unless it was given in the last few minutes
    (ASVS 7.5.1: before changing MFA, e-mail or password)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if time.time() - request.session.get("reauth_at", 0) > settings.REAUTH_SECONDS:
            return redirect(reverse("reauth") + "?" + urlencode({"next": request.get_full_path()}))
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def reauth(request):
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.check_password(form.cleaned_data["password"]):
            request.session["reauth_at"] = time.time()
            event_record(
                type="auth.reauthenticated",
                actor=request.user,
                data={"target": f"user:{request.user.pk}"},
            )
            return redirect(_safe_next(request, reverse("security")))
        event_record(
            type="auth.reauth_failed",
            actor=request.user,
            data={"target": f"user:{request.user.pk}"},
        )
        form.add_error("password", "That password is not right.")
    return render(request, "security/reauth.html", {"form": form, "next": _safe_next(request, "")})


@login_required
def mfa_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.mfa_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # new privilege, new session id
            sessions.session_register(
                user=request.user,
                session_key=request.session.session_key,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
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


@login_required
def mfa_setup(request):
    # Changing an existing second factor needs the password again; a first
    # set-up straight after signing in is covered by that sign-in.
    if request.user.totpdevice_set.filter(confirmed=True).exists() and (
        time.time() - request.session.get("reauth_at", 0) > settings.REAUTH_SECONDS
    ):
        return redirect(reverse("reauth") + "?" + urlencode({"next": request.get_full_path()}))
    device = mfa.totp_pending(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_confirm(user=request.user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
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
            "qr_svg": mfa.totp_qr_svg(device),
            "secret": mfa.totp_secret_text(device),
            "next": _safe_next(request, ""),
        },
    )


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
        },
    )


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
