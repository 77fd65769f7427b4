"""Connecting a Mastodon account on any instance, with OAuth.

There is no central Mastodon: each instance has its own OAuth server, so
SocialDesk registers itself as an app on the admin's instance
(``POST /api/v1/apps``) when a sign-in starts, sends the admin to that
instance's consent page, and exchanges the code for the account's token. The
app's id and secret are kept with the token (encrypted, like every channel's
credentials) so the token can be revoked later. With ``SOCIAL_SANDBOX_URL``
set, the instance's host is served by the sandbox (``/masto``), which plays
the instance's side, consent page included; the code path is the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from channels.services.connect import AccountInfo, _ensure_admin
from inbox.models import Channel
from inbox.networks.base import NetworkError

log = logging.getLogger(__name__)

APP_NAME = "SocialDesk"
APP_WEBSITE = "https://github.com/socialdesk"


@dataclass(frozen=True)
class PendingSignIn:
    """What waits (encrypted, in the admin's session) between the start of a
    sign-in and the instance's callback."""

    instance: str  # https://host
    client_id: str
    client_secret: str

    def as_dict(self) -> dict[str, str]:
        return {
            "instance": self.instance,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }


def _session(base: str):
    import requests

    from inbox.networks import transport

    session = requests.Session()
    transport.mount(session, real_bases=[base], sandbox_prefix="/masto")
    return session


def _allow_http() -> bool:
    # Mastodon.py refuses plain-http OAuth endpoints; only the local sandbox has them.
    return bool(settings.SOCIAL_SANDBOX_URL)


def instance_clean(instance: str) -> str:
    """``https://host`` from what the admin typed, or a ValidationError for them."""
    from inbox.networks.mastodon import instance_base

    value = (instance or "").strip()
    if value.startswith("@") or (value.count("@") == 1 and "://" not in value):
        value = value.rsplit("@", 1)[-1]  # "@council@mastodon.social" -> its instance
    base = instance_base(value) if value else ""
    host = base.partition("://")[2]
    if not host or "." not in host or any(c in host for c in " /?#@:"):
        raise ValidationError("Give the instance's address, e.g. mastodon.social.")
    if not base.startswith("https://"):
        raise ValidationError("The instance must be reached over https.")
    return base


def mastodon_login_start(*, actor, instance: str, redirect_uri: str, state: str):
    """Register SocialDesk on the instance and return the address of its
    consent page with what the callback will need. Nothing is stored."""
    import mastodon as mastodon_py
    from mastodon import Mastodon

    from inbox.networks import transport
    from inbox.networks.mastodon import SCOPES

    _ensure_admin(actor)
    base = instance_clean(instance)
    session = _session(base)
    host = base.partition("://")[2]
    try:
        client_id, client_secret = Mastodon.create_app(
            APP_NAME,
            scopes=SCOPES,
            redirect_uris=redirect_uri,
            website=APP_WEBSITE,
            api_base_url=base,
            session=session,
            request_timeout=settings.NETWORK_HTTP_TIMEOUT,
            user_agent=APP_NAME,
        )
        api = Mastodon(
            client_id=client_id,
            client_secret=client_secret,
            api_base_url=base,
            session=session,
            request_timeout=settings.NETWORK_HTTP_TIMEOUT,
        )
        url = api.auth_request_url(
            redirect_uris=redirect_uri,
            scopes=SCOPES,
            state=state,
            force_login=True,  # the council's account, not whoever last signed in there
            allow_http=_allow_http(),
        )
    except (mastodon_py.MastodonError, KeyError, TypeError, ValueError) as exc:
        log.warning("Mastodon sign-in could not start on %s: %s", host, exc)
        raise ValidationError(
            f"{host} did not accept SocialDesk as an app. Check the address: it must be a "
            "Mastodon (or compatible) instance that allows app registration."
        ) from exc
    browser = transport.browser_url(url, real_bases=[base], sandbox_prefix="/masto")
    return browser, PendingSignIn(base, str(client_id), str(client_secret))


def mastodon_login_finish(
    *, pending: dict[str, str], code: str, redirect_uri: str
) -> tuple[dict[str, str], AccountInfo]:
    """Exchange the consent's code (once) for the account's token; the
    credentials to store and who they belong to. Nothing is stored."""
    import mastodon as mastodon_py
    from mastodon import Mastodon

    from inbox.networks.mastodon import SCOPES

    base = pending["instance"]
    api = Mastodon(
        client_id=pending["client_id"],
        client_secret=pending["client_secret"],
        api_base_url=base,
        session=_session(base),
        request_timeout=settings.NETWORK_HTTP_TIMEOUT,
    )
    try:
        token = api.log_in(
            code=code, redirect_uri=redirect_uri, scopes=SCOPES, allow_http=_allow_http()
        )
    except (mastodon_py.MastodonError, KeyError, ValueError) as exc:
        log.warning("Mastodon sign-in could not finish: %s", exc)
        raise ValidationError(
            "The instance did not complete the sign-in (it expired or was already used). "
            "Start again."
        ) from exc
    credentials = {**pending, "access_token": token}
    return credentials, mastodon_account_check(credentials)


def mastodon_account_check(credentials: dict[str, str]) -> AccountInfo:
    """Who the token belongs to, as ``<id>@<instance>`` and ``@user@instance``."""
    from inbox.networks.mastodon import MastodonClient, instance_base, qualified

    base = instance_base(credentials.get("instance", ""))
    client = MastodonClient(account_id="", credentials=credentials)
    me = client.account_info()
    host = base.partition("://")[2]
    acct = str(me.get("acct") or me.get("username") or "")
    handle = f"@{acct}" if "@" in acct else f"@{acct}@{host}"
    return AccountInfo(qualified(str(me["id"]), base), handle, str(me.get("display_name") or ""))


def mastodon_limit_refresh(*, channel: Channel) -> int | None:
    """Read the instance's own post limit onto the channel (the composer and
    reply validation use it). None, and the old value kept, if unreachable."""
    from inbox.networks.mastodon import MastodonClient

    client = MastodonClient(
        account_id=channel.external_account_id, credentials=channel.get_credentials()
    )
    try:
        limit = client.max_characters()
    except NetworkError as exc:
        log.warning("could not read the post limit of channel %s: %s", channel.pk, exc)
        return None
    Channel.objects.filter(pk=channel.pk).update(post_max_characters=limit)
    channel.post_max_characters = limit
    return limit
