"""Network clients, one module per network behind ``base.NetworkClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.models import Channel
    from inbox.networks.base import NetworkClient


def reply_media_kinds(network: str) -> frozenset[str]:
    """The conversation kinds whose replies may carry a picture on ``network``."""
    if network == "x":
        from inbox.networks.x import XClient

        return XClient.reply_media_kinds
    if network == "facebook":
        from inbox.networks.facebook import FacebookClient

        return FacebookClient.reply_media_kinds
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
