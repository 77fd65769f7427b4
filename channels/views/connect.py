"""Channel connection pages for admins: list with health, connect, reconnect.

Against the sandbox network (``SOCIAL_SANDBOX_URL`` set) an admin types
sandbox credentials; in production a Facebook Page comes through Facebook
Login and an X account through Sign in with X (OAuth 1.0a; the sandbox plays
X's side too). Tokens waiting between OAuth steps sit in the session
encrypted. Credentials are never rendered back. Every view refuses non-admins.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.http import AuthedRequest
from channels.forms import (
    BlueskyConnectForm,
    BlueskyReconnectForm,
    FacebookChooseForm,
    FacebookConnectForm,
    FacebookReconnectForm,
    MastodonReconnectForm,
    XChooseForm,
    XConnectForm,
    XReconnectForm,
)
from channels.selectors import channel_get_for_admin, channels_health
from channels.services import connect as channel_services
from inbox.models import Channel, Network
from socialdesk import crypto

OAUTH_STATE = "channels_fb_oauth_state"
OAUTH_PAGES = "channels_fb_oauth_pages"
X_OAUTH_PENDING = "channels_x_oauth_request"  # request token + secret (+ channel to renew)
X_OAUTH_ACCOUNT = "channels_x_oauth_account"  # the account's tokens, until teams are chosen
FACEBOOK_CONSENT_ORIGINS = ("https://www.facebook.com",)
# Where X sends the browser during consent (tweepy's authorize URL, then X's sign-in pages).
X_CONSENT_ORIGINS = (
    "https://api.twitter.com",
    "https://api.x.com",
    "https://x.com",
    "https://twitter.com",
)


def _admin_only(request: AuthedRequest) -> None:
    if not access.can_configure_channels(request.user):
        raise PermissionDenied("Only admins manage channels.")


def _context(**extra):
    return {"sandbox": bool(settings.SOCIAL_SANDBOX_URL), **extra}


def _form_page(
    request: AuthedRequest,
    template: str,
    status: int = 200,
    *,
    consent_to: tuple[str, ...] = (),
    **context,
) -> HttpResponse:
    """A channel form page; ``consent_to``: the sign-in origins its forms may
    redirect to (an OAuth start), allowed in its CSP."""
    response = render(request, template, _context(**context), status=status)
    if consent_to:
        # CSP form-action also governs where a submitted form may be redirected:
        # without this, browsers block the sign-in POST's redirect to the network.
        # django-csp reads this attribute; HttpResponse does not declare it.
        response._csp_update = {"form-action": _consent_origins(consent_to)}  # type: ignore[attr-defined]
    return response


@login_required
@require_http_methods(["GET"])
def channel_list(request: AuthedRequest) -> HttpResponse:
    _admin_only(request)
    return render(request, "channels/list.html", _context(rows=channels_health(user=request.user)))


@login_required
@require_http_methods(["GET", "POST"])
def channel_connect_x(request: AuthedRequest) -> HttpResponse:
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
    context = _x_oauth_context(request)
    consent = X_CONSENT_ORIGINS if context["oauth_ready"] else ()
    return _form_page(
        request, "channels/connect_x.html", status, consent_to=consent, form=form, **context
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_connect_bluesky(request: AuthedRequest) -> HttpResponse:
    """A Bluesky account by its handle and an app password (checked by signing in)."""
    _admin_only(request)
    form = BlueskyConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = channel_services.channel_connect(
                actor=request.user,
                network=Network.BLUESKY,
                credentials=channel_services.bluesky_credentials(
                    identifier=data["identifier"], app_password=data["app_password"]
                ),
                teams=list(data["teams"]),
                name=data["name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Connected {channel.handle} on Bluesky.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    return _form_page(request, "channels/connect_bluesky.html", status, form=form)


def _consent_origins(real: tuple[str, ...]) -> list[str]:
    """Where an OAuth start may redirect the browser: the network's sign-in
    pages, or the sandbox playing them."""
    sandbox = urlsplit(settings.SOCIAL_SANDBOX_URL)
    if sandbox.netloc:
        return [f"{sandbox.scheme}://{sandbox.netloc}"]
    return list(real)


def _x_oauth_context(request: AuthedRequest) -> dict:
    ready = bool(settings.X_CONSUMER_KEY and settings.X_CONSUMER_SECRET)
    renewable = [
        row
        for row in (channels_health(user=request.user) if ready else [])
        if row.channel.network == Network.X and row.state == "needs_attention"
    ]
    return {
        "oauth_ready": ready,
        "renewable": renewable,
        "callback_url": request.build_absolute_uri(reverse("channels:x_callback")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def channel_connect_facebook(request: AuthedRequest) -> HttpResponse:
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
        request,
        "channels/connect_facebook.html",
        status,
        consent_to=FACEBOOK_CONSENT_ORIGINS if oauth_ready else (),
        form=form,
        oauth_ready=oauth_ready,
    )


@login_required
@require_http_methods(["POST"])
def facebook_login(request: AuthedRequest) -> HttpResponse:
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
def facebook_callback(request: AuthedRequest) -> HttpResponse:
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
def facebook_choose(request: AuthedRequest) -> HttpResponse:
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
            if data.get("with_instagram") and page.get("instagram_id"):
                _connect_linked_instagram(request, page, data)
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    return _form_page(request, "channels/choose_page.html", status, form=form)


def _connect_linked_instagram(request: AuthedRequest, page: dict, data: dict) -> None:
    """The Page's linked Instagram account becomes a channel of its own, with
    the same Page token (encrypted at rest like every credential)."""
    try:
        instagram = channel_services.channel_connect(
            actor=request.user,
            network=Network.INSTAGRAM,
            credentials=channel_services.facebook_credentials(
                page_access_token=page["access_token"]
            ),
            teams=list(data["teams"]),
            via="oauth",
        )
    except ValidationError as exc:
        messages.error(
            request, f"The linked Instagram account was not connected: {exc.messages[0]}"
        )
    else:
        messages.success(request, f"Connected the Instagram account {instagram.handle}.")


@login_required
@require_http_methods(["GET", "POST"])
def channel_reconnect(request: AuthedRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    health = channel_get_for_admin(user=request.user, pk=pk)
    channel = health.channel
    forms: dict[str, type[Form]] = {
        Network.X: XReconnectForm,
        Network.BLUESKY: BlueskyReconnectForm,
        # A new Mastodon token only comes by signing in again on the instance.
        Network.MASTODON: MastodonReconnectForm,
    }
    form_class = forms.get(channel.network, FacebookReconnectForm)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if channel.network == Network.BLUESKY:
            new = (
                {"app_password": data["app_password"].strip()} if data.get("app_password") else None
            )
        elif channel.network == Network.X:
            new = (
                channel_services.x_credentials(
                    access_token=data["access_token"],
                    access_token_secret=data["access_token_secret"],
                )
                if data.get("access_token")
                else None
            )
        elif channel.network == Network.MASTODON:
            new = None
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
    x_oauth = channel.network == Network.X and bool(
        settings.X_CONSUMER_KEY and settings.X_CONSUMER_SECRET
    )
    return _form_page(
        request,
        "channels/reconnect.html",
        status,
        consent_to=X_CONSENT_ORIGINS if x_oauth else (),
        form=form,
        row=health,
        x_oauth=x_oauth,
        masto_oauth=channel.network == Network.MASTODON,
    )


# --- Sign in with X --------------------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def x_login(request: AuthedRequest) -> HttpResponse:
    """Start Sign in with X (a POST, so a link cannot start it cross-site)."""
    _admin_only(request)
    return _x_login_start(request, channel=None)


@login_required
@require_http_methods(["POST"])
def x_reconnect_login(request: AuthedRequest, pk: int) -> HttpResponse:
    """Sign in with X again to renew a channel's tokens (same account only)."""
    _admin_only(request)
    channel = channel_get_for_admin(user=request.user, pk=pk).channel
    if channel.network != Network.X:
        raise Http404("Not an X channel")
    return _x_login_start(request, channel=channel)


def _x_login_start(request: AuthedRequest, *, channel: Channel | None) -> HttpResponse:
    request.session.pop(X_OAUTH_ACCOUNT, None)
    try:
        url, (token, secret) = channel_services.x_login_start(
            callback_url=request.build_absolute_uri(reverse("channels:x_callback"))
        )
    except ValidationError as exc:
        return _x_failed(request, channel, "start_failed", exc.messages[0])
    request.session[X_OAUTH_PENDING] = crypto.encrypt_json(
        {"token": token, "secret": secret, "channel": channel.pk if channel else None}
    )
    return redirect(url)


def _from_session(request: AuthedRequest, key: str, *, pop: bool = False) -> dict:
    stored = request.session.pop(key, None) if pop else request.session.get(key)
    try:
        return crypto.decrypt_json(stored) if stored else {}
    except crypto.CredentialsError:  # the key was retired mid-sign-in: start again
        return {}


def _x_failed(
    request: AuthedRequest, channel: Channel | None, reason: str, message: str
) -> HttpResponse:
    channel_services.channel_oauth_failure_record(
        actor=request.user, network=Network.X, reason=reason, detail=message, channel=channel
    )
    messages.error(request, message)
    if channel is not None:
        return redirect("channels:reconnect", pk=channel.pk)
    return redirect("channels:connect_x")


@login_required
@require_http_methods(["GET"])
def x_callback(request: AuthedRequest) -> HttpResponse:
    """X sends the browser back here with the request token and a verifier (or
    ``denied``). The token must be the one this session started with."""
    _admin_only(request)
    pending = _from_session(request, X_OAUTH_PENDING, pop=True)  # one callback per sign-in
    channel = (
        channel_get_for_admin(user=request.user, pk=pending["channel"]).channel
        if pending.get("channel")
        else None
    )
    expected = str(pending.get("token", "")).encode()
    given = (request.GET.get("oauth_token") or request.GET.get("denied") or "").encode()
    if not expected or not secrets.compare_digest(expected, given):
        message = "That sign-in with X could not be verified. Please start again."
        return _x_failed(request, channel, "token_mismatch", message)
    if "denied" in request.GET:
        message = "Sign in with X was cancelled; no account was connected."
        return _x_failed(request, channel, "denied", message)
    verifier = request.GET.get("oauth_verifier", "")
    if channel is not None:
        return _x_renew(request, channel, pending, verifier)
    try:
        credentials, info = channel_services.x_login_finish(
            request_token=pending["token"], request_secret=pending["secret"], verifier=verifier
        )
    except ValidationError as exc:
        return _x_failed(request, None, "exchange_failed", exc.messages[0])
    request.session[X_OAUTH_ACCOUNT] = crypto.encrypt_json(
        {"credentials": credentials, "handle": info.handle, "name": info.name}
    )
    return redirect("channels:x_choose")


def _x_renew(
    request: AuthedRequest, channel: Channel, pending: dict, verifier: str
) -> HttpResponse:
    try:
        credentials = channel_services.x_credentials_from_verifier(
            request_token=pending["token"], request_secret=pending["secret"], verifier=verifier
        )
        channel_services.channel_reconnect(
            channel=channel, actor=request.user, credentials=credentials
        )
    except ValidationError as exc:
        return _x_failed(request, channel, "reconnect_failed", exc.messages[0])
    messages.success(request, f"{channel.name} is reconnected; polling resumes now.")
    return redirect("channels:list")


@login_required
@require_http_methods(["GET", "POST"])
def x_choose(request: AuthedRequest) -> HttpResponse:
    """Name the signed-in X account and choose the teams that cover it, then connect."""
    _admin_only(request)
    account = _from_session(request, X_OAUTH_ACCOUNT)
    if not account:
        messages.error(request, "Sign in with X first.")
        return redirect("channels:connect_x")
    form = XChooseForm(request.POST or None, initial={"name": account["name"]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = channel_services.channel_connect(
                actor=request.user,
                network=Network.X,
                credentials=account["credentials"],
                teams=list(data["teams"]),
                name=data["name"],
                via="oauth",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(X_OAUTH_ACCOUNT, None)
            messages.success(request, f"Connected {channel.handle} on X.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    shown = {"handle": account["handle"], "name": account["name"]}  # never the tokens
    return _form_page(request, "channels/x_choose.html", status, form=form, account=shown)
