"""Network clients, one module per network behind ``base.NetworkClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.models import Channel
    from inbox.networks.base import NetworkClient


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
    raise NotImplementedError(f"no client for network {channel.network!r}")
