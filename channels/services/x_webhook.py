"""X webhook registration on connect (issue 20 point 6): register our webhook
URL with X's Account Activity API (X checks it with a CRC GET, which
inbox.webhooks answers), subscribe the account to it, and keep the outcome in
``ChannelWebhook`` for the channel's health. Polling works whatever happens
here; a failure is said in words on the channels page and in an event.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from events.services import event_record
from inbox.models import Channel, ChannelWebhook, Network
from inbox.networks.base import NetworkError


def x_webhook_url() -> str:
    """Our public webhook address for X; "" when the server's public base
    address (SOCIALDESK_BASE_URL) is not configured."""
    base = settings.SOCIALDESK_BASE_URL.rstrip("/")
    return f"{base}{reverse('webhooks:x')}" if base else ""


def x_webhook_register(*, channel: Channel, actor: User | None) -> ChannelWebhook:
    """Register (or find) the app's webhook and subscribe this account to it."""
    from inbox.networks.x import XClient

    if channel.network != Network.X:
        raise ValueError("only X channels register an Account Activity webhook")
    url = x_webhook_url()
    if not url:
        return _store(
            channel,
            actor,
            ChannelWebhook.State.NOT_CONFIGURED,
            detail="Set SOCIALDESK_BASE_URL to this server's public address so X can reach "
            "its webhook; until then the channel is polled every minute.",
        )
    client = XClient(account_id=channel.external_account_id, credentials=channel.get_credentials())
    try:
        hook = client.webhook_for(url) or client.webhook_register(url)
        if not hook.get("valid", True):
            raise NetworkError("X says the webhook failed its last CRC check")
        subscribed = client.webhook_subscribe(str(hook["id"]))
    except NetworkError as exc:
        return _store(
            channel, actor, ChannelWebhook.State.FAILED, url=url, detail=f"X refused: {exc}"
        )
    if not subscribed:
        return _store(
            channel,
            actor,
            ChannelWebhook.State.FAILED,
            url=url,
            external_id=str(hook["id"]),
            detail="X registered the webhook but does not list the account as subscribed.",
        )
    return _store(
        channel, actor, ChannelWebhook.State.SUBSCRIBED, url=url, external_id=str(hook["id"])
    )


def _store(
    channel: Channel,
    actor: User | None,
    state: str,
    *,
    url: str = "",
    external_id: str = "",
    detail: str = "",
) -> ChannelWebhook:
    hook, _ = ChannelWebhook.objects.update_or_create(
        channel=channel,
        defaults={
            "state": state,
            "url": url,
            "external_id": external_id,
            "detail": detail[:2000],
            "checked_at": timezone.now(),
        },
    )
    event_record(
        type="channel.webhooks_subscribed" if state == "subscribed" else "channel.webhooks_failed",
        actor=actor,
        channel=channel,
        data={"state": state, "url": url, "webhook_id": external_id, "error": detail[:500]},
    )
    return hook
