"""Connecting a Mastodon account: the admin names the instance, SocialDesk
registers itself there and sends them to the instance's consent page, the
instance sends them back with a code, and they choose the covering teams.

The consent page is on an origin only known once the admin has typed it, so
the start answers with a page holding a link to it rather than a redirect
(the form page's CSP ``form-action`` could not name that origin in advance).
What waits between the steps sits in the session, encrypted. Admins only.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthedRequest
from channels.forms import MastodonInstanceForm, XChooseForm
from channels.selectors import channel_get_for_admin
from channels.services import connect as channel_services
from channels.services import mastodon as mastodon_services
from channels.views.connect import _admin_only, _form_page, _from_session
from inbox.models import Channel, Network
from socialdesk import crypto

PENDING = "channels_masto_oauth_pending"  # the instance, our app there, state (+ channel to renew)
ACCOUNT = "channels_masto_oauth_account"  # the account's credentials, until teams are chosen


def _callback_url(request: AuthedRequest) -> str:
    return request.build_absolute_uri(reverse("channels:mastodon_callback"))


@login_required
@require_http_methods(["GET", "POST"])
def mastodon_connect(request: AuthedRequest) -> HttpResponse:
    """Ask for the instance; on POST, register there and offer the consent link."""
    _admin_only(request)
    form = MastodonInstanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = _start(request, form.cleaned_data["instance"], channel=None)
        if isinstance(started, HttpResponse):
            return started
        form.add_error("instance", started)
    status = 422 if request.method == "POST" else 200
    return _form_page(request, "channels/connect_mastodon.html", status, form=form)


@login_required
@require_http_methods(["POST"])
def mastodon_reconnect_login(request: AuthedRequest, pk: int) -> HttpResponse:
    """Sign in on the channel's instance again to renew its token (same account only)."""
    _admin_only(request)
    channel = channel_get_for_admin(user=request.user, pk=pk).channel
    if channel.network != Network.MASTODON:
        raise Http404("Not a Mastodon channel")
    started = _start(request, channel.get_credentials().get("instance", ""), channel=channel)
    if isinstance(started, HttpResponse):
        return started
    return _failed(request, channel, "start_failed", started.messages[0])


def _start(
    request: AuthedRequest, instance: str, *, channel: Channel | None
) -> HttpResponse | ValidationError:
    request.session.pop(ACCOUNT, None)
    state = secrets.token_urlsafe(24)
    try:
        url, pending = mastodon_services.mastodon_login_start(
            actor=request.user, instance=instance, redirect_uri=_callback_url(request), state=state
        )
    except ValidationError as exc:
        channel_services.channel_oauth_failure_record(
            actor=request.user,
            network=Network.MASTODON,
            reason="start_failed",
            detail=exc.messages[0],
            channel=channel,
        )
        return exc
    request.session[PENDING] = crypto.encrypt_json(
        {**pending.as_dict(), "state": state, "channel": channel.pk if channel else None}
    )
    host = pending.instance.partition("://")[2]
    return _form_page(
        request, "channels/mastodon_continue.html", consent_url=url, host=host, channel=channel
    )


def _failed(
    request: AuthedRequest, channel: Channel | None, reason: str, message: str
) -> HttpResponse:
    channel_services.channel_oauth_failure_record(
        actor=request.user, network=Network.MASTODON, reason=reason, detail=message, channel=channel
    )
    messages.error(request, message)
    if channel is not None:
        return redirect("channels:reconnect", pk=channel.pk)
    return redirect("channels:connect_mastodon")


@login_required
@require_http_methods(["GET"])
def mastodon_callback(request: AuthedRequest) -> HttpResponse:
    """The instance sends the browser back with ``code`` (or ``error``) and our ``state``."""
    _admin_only(request)
    pending = _from_session(request, PENDING, pop=True)  # one callback per sign-in
    channel = (
        channel_get_for_admin(user=request.user, pk=pending["channel"]).channel
        if pending.get("channel")
        else None
    )
    expected = str(pending.get("state", "")).encode()
    if not expected or not secrets.compare_digest(expected, request.GET.get("state", "").encode()):
        message = "That Mastodon sign-in could not be verified. Please start again."
        return _failed(request, channel, "state_mismatch", message)
    if request.GET.get("error") or not request.GET.get("code"):
        message = "The Mastodon sign-in was cancelled; no account was connected."
        return _failed(request, channel, "denied", message)
    app = {k: pending[k] for k in ("instance", "client_id", "client_secret")}
    try:
        credentials, info = mastodon_services.mastodon_login_finish(
            pending=app, code=request.GET["code"], redirect_uri=_callback_url(request)
        )
        if channel is not None:
            channel_services.channel_reconnect(
                channel=channel, actor=request.user, credentials=credentials
            )
    except ValidationError as exc:
        return _failed(request, channel, "exchange_failed", exc.messages[0])
    if channel is not None:
        messages.success(request, f"{channel.name} is reconnected; polling resumes now.")
        return redirect("channels:list")
    request.session[ACCOUNT] = crypto.encrypt_json(
        {"credentials": credentials, "handle": info.handle, "name": info.name}
    )
    return redirect("channels:mastodon_choose")


@login_required
@require_http_methods(["GET", "POST"])
def mastodon_choose(request: AuthedRequest) -> HttpResponse:
    """Name the signed-in account and choose the teams that cover it, then connect."""
    _admin_only(request)
    account = _from_session(request, ACCOUNT)
    if not account:
        messages.error(request, "Sign in on your Mastodon instance first.")
        return redirect("channels:connect_mastodon")
    form = XChooseForm(request.POST or None, initial={"name": account["name"]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = channel_services.channel_connect(
                actor=request.user,
                network=Network.MASTODON,
                credentials=account["credentials"],
                teams=list(data["teams"]),
                name=data["name"],
                via="oauth",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(ACCOUNT, None)
            messages.success(request, f"Connected {channel.handle} on Mastodon.")
            return redirect("channels:list")
    status = 422 if request.method == "POST" else 200
    shown = {"handle": account["handle"], "name": account["name"]}  # never the token
    return _form_page(request, "channels/mastodon_choose.html", status, form=form, account=shown)
