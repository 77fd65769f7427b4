"""Network clients, one module per network behind ``base.NetworkClient``."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.models import Channel
    from inbox.networks.base import NetworkClient


# Each network's client class, imported on first use (a worker that polls X
# never loads the Bluesky SDK).
CLIENT_CLASSES = {
    "x": ("inbox.networks.x", "XClient"),
    "facebook": ("inbox.networks.facebook", "FacebookClient"),
    "bluesky": ("inbox.networks.bluesky", "BlueskyClient"),
    "mastodon": ("inbox.networks.mastodon", "MastodonClient"),
    "instagram": ("inbox.networks.instagram", "InstagramClient"),
}


def client_class(network: str) -> type[NetworkClient]:
    """The client class for ``network``; NotImplementedError for an unknown one."""
    try:
        module, name = CLIENT_CLASSES[network]
    except KeyError:
        raise NotImplementedError(f"no client for network {network!r}") from None
    return getattr(import_module(module), name)


def reply_media_kinds(network: str) -> frozenset[str]:
    """The conversation kinds whose replies may carry a picture on ``network``."""
    try:
        return client_class(network).reply_media_kinds
    except NotImplementedError:
        return frozenset()


def client_for(channel: Channel) -> NetworkClient:
    """Build the client for a channel from its decrypted credentials."""
    if channel.network == "x":
        from inbox.networks.x import XClient

        return XClient(
            account_id=channel.external_account_id, credentials=channel.get_credentials()
        )
    if channel.network == "facebook":
        from inbox.networks.facebook import FacebookClient

        return FacebookClient(
            page_id=channel.external_account_id, credentials=channel.get_credentials()
        )
    if channel.network == "bluesky":
        from inbox.networks.bluesky import BlueskyClient

        def keep(session: str) -> None:
            # A refreshed session must outlive this client: Bluesky rotates
            # refresh tokens, and signing in again on every poll would meet
            # createSession's limit (30 per 5 minutes). Only this channel's
            # own row is written (its credentials, merged), never read back.
            channel.set_credentials({**channel.get_credentials(), "session": session})
            type(channel).objects.filter(pk=channel.pk).update(
                credentials_encrypted=channel.credentials_encrypted
            )

        return BlueskyClient(
            account_id=channel.external_account_id,
            credentials=channel.get_credentials(),
            on_session=keep,
        )
    if channel.network == "mastodon":
        from inbox.networks.mastodon import MastodonClient

        return MastodonClient(
            account_id=channel.external_account_id, credentials=channel.get_credentials()
        )
    if channel.network == "instagram":
        from inbox.networks.instagram import InstagramClient

        return InstagramClient(
            account_id=channel.external_account_id, credentials=channel.get_credentials()
        )
    raise NotImplementedError(f"no client for network {channel.network!r}")
