"""Connecting channels: an admin adds an X account or a Facebook Page, or
reconnects one that needs attention.

Credentials are checked against the network before anything is stored (a
typo never becomes a channel that fails every minute). Against the sandbox the
admin types sandbox credentials; in production a Facebook Page comes through
Facebook Login (``facebook_login_url`` / ``facebook_pages_from_code``) with
the app keys from the environment. Every change writes its Event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import access
from accounts.models import Team, User
from events.services import event_record
from inbox.models import Channel, Network
from inbox.networks.base import AuthError, NetworkError
from inbox.services.polling import channel_mark_fixed

log = logging.getLogger(__name__)

FACEBOOK_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_metadata",
    "pages_manage_engagement",
    "pages_messaging",
    # The Page's linked Instagram professional account (issue 20): its
    # comments, replies and moderation, and its direct messages.
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
)
# feed: comments and visitor posts; mention: posts elsewhere that tag the Page.
WEBHOOK_FIELDS = "feed,messages,mention"


@dataclass(frozen=True)
class AccountInfo:
    """Who the credentials belong to, as the network says."""

    external_account_id: str
    handle: str
    name: str


def _ensure_admin(actor: User) -> None:
    if not access.can_configure_channels(actor):
        raise PermissionDenied("Only admins connect channels.")


def _explain(network: str, exc: NetworkError) -> ValidationError:
    label = Network(network).label
    if isinstance(exc, AuthError):
        return ValidationError(
            f"{label} did not accept these credentials. Check them and try again."
        )
    if exc.permanent:
        return ValidationError(f"{label} refused the check: {exc}")
    return ValidationError(f"Could not reach {label} just now ({exc}). Try again in a minute.")


def x_credentials(*, access_token: str, access_token_secret: str) -> dict[str, str]:
    """An account's user tokens with the app's consumer keys from the environment."""
    return {
        "consumer_key": settings.X_CONSUMER_KEY,
        "consumer_secret": settings.X_CONSUMER_SECRET,
        "access_token": access_token.strip(),
        "access_token_secret": access_token_secret.strip(),
    }


def facebook_credentials(*, page_access_token: str) -> dict[str, str]:
    return {
        "page_access_token": page_access_token.strip(),
        "app_secret": settings.FACEBOOK_APP_SECRET,
    }


def bluesky_credentials(*, identifier: str, app_password: str) -> dict[str, str]:
    """A handle and an app password; the session is added when they are checked."""
    return {"identifier": identifier.strip().lstrip("@"), "app_password": app_password.strip()}


def account_check(*, network: str, credentials: dict[str, str], page_id: str = "") -> AccountInfo:
    """Ask the network who these credentials are; ValidationError (for the admin)
    if it says no. A Bluesky check signs in, so it also adds the session to
    ``credentials`` (the app password alone would mean signing in on every poll)."""
    try:
        if network == Network.X:
            return _x_check(credentials)
        if network == Network.MASTODON:
            from channels.services.mastodon import mastodon_account_check

            return mastodon_account_check(credentials)
        if network == Network.BLUESKY:
            return _bluesky_check(credentials)
        if network == Network.INSTAGRAM:
            return _instagram_check(credentials)
        return _facebook_check(page_id, credentials)
    except NetworkError as exc:
        raise _explain(network, exc) from exc


def _x_check(credentials: dict[str, str]) -> AccountInfo:
    from inbox.networks.x import NETWORK_EXCEPTIONS, make_client, translate

    try:
        data = make_client(credentials).get_me(user_auth=True)["data"]
    except NETWORK_EXCEPTIONS as exc:
        raise translate(exc, write=False) from exc
    return AccountInfo(
        str(data["id"]), f"@{data['username']}", data.get("name") or data["username"]
    )


def _bluesky_check(credentials: dict[str, str]) -> AccountInfo:
    from inbox.networks.bluesky import sign_in

    if not credentials.get("identifier") or not credentials.get("app_password"):
        raise ValidationError("Give the account's handle and an app password.")
    # A fresh sign-in (not a stored session): the app password itself is checked.
    signed_in, profile = sign_in(
        identifier=credentials["identifier"], app_password=credentials["app_password"]
    )
    credentials.update(signed_in)
    handle = str(profile.get("handle") or credentials["identifier"])
    return AccountInfo(str(profile["did"]), f"@{handle}", str(profile.get("displayName") or ""))


def _facebook_check(page_id: str, credentials: dict[str, str]) -> AccountInfo:
    from inbox.networks.facebook import FacebookClient

    if not page_id.isdigit():
        raise ValidationError("A Facebook Page id is a number, e.g. 104857600000.")
    page = FacebookClient(page_id=page_id, credentials=credentials).page_info()
    return AccountInfo(
        str(page["id"]), page.get("username") or str(page["id"]), page.get("name") or ""
    )


def _instagram_check(credentials: dict[str, str]) -> AccountInfo:
    """The Instagram professional account linked to the Page whose token this
    is (Facebook Login for Business); its Page id is kept with the token, as
    the account's direct messages live on the Page's conversations."""
    from inbox.networks.instagram import InstagramClient

    if not credentials.get("page_access_token"):
        raise ValidationError(
            "Give the access token of the Facebook Page the account is linked to."
        )
    probe = InstagramClient(account_id="", credentials=credentials)
    page = probe._get("me", fields="id,name,instagram_business_account")
    linked = page.get("instagram_business_account")
    if not isinstance(linked, dict) or not linked.get("id"):
        raise ValidationError(
            f"The Facebook Page {page.get('name') or page.get('id')} has no linked Instagram "
            "professional account. Link one in the Page's settings, then try again."
        )
    account = InstagramClient(account_id=str(linked["id"]), credentials=credentials).account_info()
    credentials["page_id"] = str(page["id"])
    return AccountInfo(
        str(account["id"]),
        f"@{account.get('username') or account['id']}",
        account.get("name") or "",
    )


def channel_connect(
    *,
    actor: User,
    network: str,
    credentials: dict[str, str],
    teams: list[Team],
    name: str = "",
    page_id: str = "",
    via: str = "credentials",
) -> Channel:
    """Check the credentials with the network, then store the channel (encrypted
    credentials, covering teams) and its ``channel.connected`` event together.
    A Facebook Page is then subscribed to the app's webhooks."""
    _ensure_admin(actor)
    info = account_check(network=network, credentials=credentials, page_id=page_id)
    try:
        with transaction.atomic():
            channel = Channel(
                network=network,
                name=(name.strip() or info.name or info.handle)[:120],
                handle=info.handle[:120],
                external_account_id=info.external_account_id,
                is_sandbox=bool(settings.SOCIAL_SANDBOX_URL),
                poll_interval_seconds=settings.DEFAULT_POLL_INTERVAL_SECONDS,
                # What was written before now (its import, its first poll) is
                # history: shown, never escalated as late (escalation.services.history).
                # Whole seconds, as X and Graph date messages: one written in the
                # second of connecting is live.
                live_since=timezone.now().replace(microsecond=0),
            )
            channel.set_credentials(credentials)
            channel.save()
            channel.teams.set(teams)
            event_record(
                type="channel.connected",
                actor=actor,
                channel=channel,
                data={
                    "network": network,
                    "account": info.external_account_id,
                    "handle": info.handle,
                    "via": via,
                    "teams": sorted(t.name for t in teams),
                    "sandbox": channel.is_sandbox,
                },
            )
            if settings.BACKFILL_DAYS:  # 0 turns the history import off
                from channels.services.backfill import channel_backfill_start

                channel_backfill_start(channel=channel, actor=actor, days=settings.BACKFILL_DAYS)
    except IntegrityError as exc:
        raise ValidationError(
            f"{info.handle} is already connected. Use Reconnect on the channel list to renew it."
        ) from exc
    if network == Network.FACEBOOK:
        facebook_webhooks_subscribe(channel=channel, actor=actor)
    elif network == Network.X:
        from channels.services.x_webhook import x_webhook_register

        x_webhook_register(channel=channel, actor=actor)
    if network == Network.MASTODON:
        from channels.services.mastodon import mastodon_limit_refresh

        mastodon_limit_refresh(channel=channel)  # each instance sets its own
    return channel


def facebook_webhooks_subscribe(*, channel: Channel, actor: User | None) -> bool:
    """Ask Meta to send this Page's comments and messages to our webhook.
    Polling still works if this fails; the outcome is recorded either way."""
    from inbox.networks.facebook import FacebookClient

    client = FacebookClient(
        page_id=channel.external_account_id, credentials=channel.get_credentials()
    )
    try:
        client.webhooks_subscribe(fields=WEBHOOK_FIELDS)
    except NetworkError as exc:
        event_record(
            type="channel.webhooks_failed",
            actor=actor,
            channel=channel,
            data={"error": str(exc)[:500]},
        )
        return False
    event_record(
        type="channel.webhooks_subscribed",
        actor=actor,
        channel=channel,
        data={"fields": WEBHOOK_FIELDS},
    )
    return True


def channel_reconnect(
    *, channel: Channel, actor: User, credentials: dict[str, str] | None = None
) -> Channel:
    """Check the channel's (new or current) credentials, store new ones, and
    clear "needs attention" so polling resumes. Refused if the network still
    says no: the channel then stays flagged."""
    _ensure_admin(actor)
    current = channel.get_credentials()
    merged = {**current, **(credentials or {})}
    info = account_check(
        network=channel.network, credentials=merged, page_id=channel.external_account_id
    )
    if info.external_account_id != channel.external_account_id:
        raise ValidationError(
            f"These credentials belong to {info.handle}, not to {channel.handle}. "
            "Connect that account as a new channel instead."
        )
    with transaction.atomic():
        if credentials or channel.network == Network.BLUESKY:
            # A Bluesky check opened a new session: keep it (the old one was refused).
            channel.set_credentials(merged)
            channel.save(update_fields=["credentials_encrypted"])
        if credentials:
            event_record(
                type="channel.credentials_updated",
                actor=actor,
                channel=channel,
                data={"fields": sorted(credentials)},  # which fields, never their values
            )
        channel_mark_fixed(channel=channel, actor=actor)
    channel.refresh_from_db()
    if channel.network == Network.X and not _x_webhook_subscribed(channel):
        from channels.services.x_webhook import x_webhook_register

        x_webhook_register(channel=channel, actor=actor)  # a failed one is tried again
    return channel


def _x_webhook_subscribed(channel: Channel) -> bool:
    from inbox.models import ChannelWebhook

    return ChannelWebhook.objects.filter(
        channel=channel, state=ChannelWebhook.State.SUBSCRIBED
    ).exists()


# --- Facebook Login (OAuth) -------------------------------------------------------------


def facebook_login_url(*, redirect_uri: str, state: str) -> str:
    """Meta's login dialog, or the sandbox's (which consents at once)."""
    from inbox.networks.facebook import GRAPH_VERSION

    if not settings.FACEBOOK_APP_ID or not settings.FACEBOOK_APP_SECRET:
        raise ValidationError(
            "FACEBOOK_APP_ID and FACEBOOK_APP_SECRET must be set to use Facebook Login."
        )
    sandbox = settings.SOCIAL_SANDBOX_URL.rstrip("/")
    base = f"{sandbox}/fb" if sandbox else "https://www.facebook.com"
    query = urlencode(
        {
            "client_id": settings.FACEBOOK_APP_ID,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(FACEBOOK_SCOPES),
        }
    )
    return f"{base}/{GRAPH_VERSION}/dialog/oauth?{query}"


def facebook_pages_from_code(*, code: str, redirect_uri: str) -> list[dict[str, str]]:
    """Exchange the dialog's code for a long-lived user token, then list the
    Pages it manages with their Page tokens (which then do not expire)."""
    import facebook

    from inbox.networks.facebook import make_graph

    app_id, secret = settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
    graph = make_graph("")
    try:
        short = graph.get_access_token_from_code(code, redirect_uri, app_id, secret)["access_token"]
        graph.access_token = short
        graph.access_token = graph.extend_access_token(app_id, secret)["access_token"]
        pages = graph.get_connections(
            "me", "accounts", fields="id,name,access_token,tasks,instagram_business_account"
        )
    except (facebook.GraphAPIError, KeyError, ValueError, OSError) as exc:
        log.warning("Facebook Login exchange failed: %s", exc)
        raise ValidationError("Facebook did not complete the sign-in. Please try again.") from exc
    return [
        {
            "id": str(p["id"]),
            "name": str(p.get("name") or p["id"]),
            "access_token": str(p["access_token"]),
            # The Instagram professional account linked to the Page, if any.
            "instagram_id": str((p.get("instagram_business_account") or {}).get("id") or ""),
        }
        for p in pages.get("data") or []
        if p.get("access_token")
    ]


# --- Sign in with X (OAuth 1.0a, three-legged) ------------------------------------------


def _x_oauth_handler(*, callback: str | None = None):
    """tweepy's OAuth1UserHandler with the app keys from the environment, every
    session it uses given the transport adapter (a timeout; the sandbox host
    when ``SOCIAL_SANDBOX_URL`` is set)."""
    import tweepy

    from inbox.networks import transport
    from inbox.networks.x import X_HOSTS

    class Handler(tweepy.OAuth1UserHandler):
        # get_access_token() replaces self.oauth with a fresh OAuth1Session, so
        # mounting once on the first session would send the exchange to real X.
        @property
        def oauth(self):
            return self._oauth

        @oauth.setter
        def oauth(self, session):
            transport.mount(session, real_bases=X_HOSTS, sandbox_prefix="/x")
            self._oauth = session

    if not settings.X_CONSUMER_KEY or not settings.X_CONSUMER_SECRET:
        raise ValidationError(
            "X_CONSUMER_KEY and X_CONSUMER_SECRET must be set to use Sign in with X."
        )
    return Handler(settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, callback=callback)


def _x_oauth_explain(exc: Exception, *, starting: bool, callback_url: str = "") -> ValidationError:
    """What the admin is told when a step of Sign in with X fails."""
    import requests
    import tweepy

    cause: BaseException = exc
    while cause.__context__ is not None and isinstance(cause, tweepy.TweepyException):
        cause = cause.__context__  # tweepy wraps every failure, sometimes twice
    status = getattr(cause, "status_code", None)  # requests-oauthlib's TokenRequestDenied
    if status == 401 and starting:
        return ValidationError(
            "X did not accept SocialDesk's app keys (X_CONSUMER_KEY and X_CONSUMER_SECRET). "
            "Check them in the X developer portal."
        )
    if status == 403 and starting:
        return ValidationError(
            f"X refused the callback address. Add {callback_url} to the app's callback URLs "
            "in the X developer portal."
        )
    if status == 401:
        return ValidationError(
            "X did not accept this sign-in: it expired or was already used. "
            "Start again with Sign in with X."
        )
    if status == 429:
        return ValidationError("X is limiting sign-ins just now. Try again in a few minutes.")
    if status is not None:
        return ValidationError(
            f"X could not complete the sign-in just now (HTTP {status}). Try again in a minute."
        )
    if isinstance(cause, requests.RequestException):
        return ValidationError("Could not reach X just now. Try again in a minute.")
    return ValidationError("X sent an answer SocialDesk could not read. Try again in a minute.")


def x_login_start(*, callback_url: str) -> tuple[str, tuple[str, str]]:
    """Ask X for a request token. Returns the address to send the admin's browser
    to (X's consent page, or the sandbox's) and the request token and secret,
    which the caller keeps until X sends the browser back to ``callback_url``."""
    import tweepy

    from inbox.networks import transport
    from inbox.networks.x import X_HOSTS

    handler = _x_oauth_handler(callback=callback_url)
    try:
        url = handler.get_authorization_url()
        pair = (handler.request_token["oauth_token"], handler.request_token["oauth_token_secret"])
    except (tweepy.TweepyException, KeyError) as exc:
        log.warning("Sign in with X could not start: %s", exc)
        raise _x_oauth_explain(exc, starting=True, callback_url=callback_url) from exc
    return transport.browser_url(url, real_bases=X_HOSTS, sandbox_prefix="/x"), pair


def x_credentials_from_verifier(
    *, request_token: str, request_secret: str, verifier: str
) -> dict[str, str]:
    """Exchange the consented request token and its verifier (once) for the
    account's access token; returns channel credentials like ``x_credentials``."""
    import tweepy

    handler = _x_oauth_handler()
    handler.request_token = {"oauth_token": request_token, "oauth_token_secret": request_secret}
    try:
        token, secret = handler.get_access_token(verifier)
    except tweepy.TweepyException as exc:
        log.warning("Sign in with X could not finish: %s", exc)
        raise _x_oauth_explain(exc, starting=False) from exc
    return x_credentials(access_token=token, access_token_secret=secret)


def x_login_finish(
    *, request_token: str, request_secret: str, verifier: str
) -> tuple[dict[str, str], AccountInfo]:
    """The verifier exchanged for credentials, and who they belong to (so the
    admin sees the account before choosing its teams). Nothing is stored."""
    credentials = x_credentials_from_verifier(
        request_token=request_token, request_secret=request_secret, verifier=verifier
    )
    return credentials, account_check(network=Network.X, credentials=credentials)


def channel_oauth_failure_record(
    *, actor: User, network: str, reason: str, detail: str = "", channel: Channel | None = None
) -> None:
    """Record a network sign-in that was cancelled, forged or refused (never its tokens)."""
    _ensure_admin(actor)
    event_record(
        type="channel.oauth_failed",
        actor=actor,
        channel=channel,
        data={"network": network, "reason": reason, "detail": detail[:500]},
    )
