"""Channel connection pages for admins: list with health, connect, reconnect.

Against the sandbox network (``SOCIAL_SANDBOX_URL`` set) an admin types
sandbox credentials; in production a Facebook Page comes through Facebook
Login. Credentials are never rendered back. Every view refuses non-admins.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import access
from inbox import crypto
from inbox.channel_forms import (
    FacebookChooseForm,
    FacebookConnectForm,
    FacebookReconnectForm,
    XConnectForm,
    XReconnectForm,
)
from inbox.channel_selectors import channel_get_for_admin, channels_health
from inbox.models import Network
from inbox.services import channels as channel_services

OAUTH_STATE = "channels_fb_oauth_state"
OAUTH_PAGES = "channels_fb_oauth_pages"


def _admin_only(request: HttpRequest) -> None:
    if not access.can_configure_channels(request.user):
        raise PermissionDenied("Only admins manage channels.")


def _context(**extra):
    return {"sandbox": bool(settings.SOCIAL_SANDBOX_URL), **extra}


def _form_page(request: HttpRequest, template: str, status: int = 200, **context) -> HttpResponse:
    return render(request, template, _context(**context), status=status)


@login_required
@require_http_methods(["GET"])
def channel_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return render(request, "channels/list.html", _context(rows=channels_health(user=request.user)))


@login_required
@require_http_methods(["GET", "POST"])
def channel_connect_x(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = XConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = channel_services.channel_connect(
                actor=request.user,
                network=Network.X,
                credentials=channel_services.x_credentials(
                    access_token=data["access_token"],
                    access_token_secret=data["access_token_secret"],
                ),
                teams=list(data["teams"]),
                name=data["name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Connected {channel.handle} on X.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    return _form_page(request, "channels/connect_x.html", status, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def channel_connect_facebook(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = FacebookConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = channel_services.channel_connect(
                actor=request.user,
                network=Network.FACEBOOK,
                credentials=channel_services.facebook_credentials(
                    page_access_token=data["page_access_token"]
                ),
                teams=list(data["teams"]),
                name=data["name"],
                page_id=data["page_id"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Connected the Facebook Page {channel.name}.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    oauth_ready = bool(settings.FACEBOOK_APP_ID and settings.FACEBOOK_APP_SECRET)
    return _form_page(
        request, "channels/connect_facebook.html", status, form=form, oauth_ready=oauth_ready
    )


@login_required
@require_http_methods(["POST"])
def facebook_login(request: HttpRequest) -> HttpResponse:
    """Start Facebook Login (a POST, so a link cannot start it cross-site)."""
    _admin_only(request)
    state = secrets.token_urlsafe(24)
    request.session[OAUTH_STATE] = state
    try:
        url = channel_services.facebook_login_url(
            redirect_uri=request.build_absolute_uri(reverse("channels:facebook_callback")),
            state=state,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("channels:connect_facebook")
    return redirect(url)


@login_required
@require_http_methods(["GET"])
def facebook_callback(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    expected = request.session.pop(OAUTH_STATE, "")
    given = request.GET.get("state", "")
    if not expected or not secrets.compare_digest(expected, given):
        messages.error(request, "That Facebook sign-in could not be verified. Please start again.")
        return redirect("channels:connect_facebook")
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, "Facebook sign-in was cancelled; no Page was connected.")
        return redirect("channels:connect_facebook")
    try:
        pages = channel_services.facebook_pages_from_code(
            code=request.GET["code"],
            redirect_uri=request.build_absolute_uri(reverse("channels:facebook_callback")),
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("channels:connect_facebook")
    if not pages:
        messages.error(request, "That Facebook account manages no Page this app may use.")
        return redirect("channels:connect_facebook")
    # Page tokens wait in the session, encrypted like stored credentials.
    request.session[OAUTH_PAGES] = crypto.encrypt_json({"pages": pages})
    return redirect("channels:facebook_choose")


@login_required
@require_http_methods(["GET", "POST"])
def facebook_choose(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    stored = request.session.get(OAUTH_PAGES)
    pages = crypto.decrypt_json(stored)["pages"] if stored else []
    if not pages:
        messages.error(request, "Sign in with Facebook first.")
        return redirect("channels:connect_facebook")
    form = FacebookChooseForm(request.POST or None, pages=pages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        page = next(p for p in pages if p["id"] == data["page"])
        try:
            channel = channel_services.channel_connect(
                actor=request.user,
                network=Network.FACEBOOK,
                credentials=channel_services.facebook_credentials(
                    page_access_token=page["access_token"]
                ),
                teams=list(data["teams"]),
                name=data["name"],
                page_id=page["id"],
                via="oauth",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(OAUTH_PAGES, None)
            messages.success(request, f"Connected the Facebook Page {channel.name}.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    return _form_page(request, "channels/choose_page.html", status, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def channel_reconnect(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    health = channel_get_for_admin(user=request.user, pk=pk)
    channel = health.channel
    form_class = XReconnectForm if channel.network == Network.X else FacebookReconnectForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if channel.network == Network.X:
            new = (
                channel_services.x_credentials(
                    access_token=data["access_token"],
                    access_token_secret=data["access_token_secret"],
                )
                if data.get("access_token")
                else None
            )
        else:
            new = (
                channel_services.facebook_credentials(page_access_token=data["page_access_token"])
                if data.get("page_access_token")
                else None
            )
        try:
            channel_services.channel_reconnect(channel=channel, actor=request.user, credentials=new)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{channel.name} is reconnected; polling resumes now.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    return _form_page(request, "channels/reconnect.html", status, form=form, row=health)
