"""X webhook registration on connect (issue 20 point 6): the app registers its
webhook URL with the sandbox's Account Activity API, X's CRC GET reaches the
live app and is answered, the account is subscribed, and the outcome is shown
in the channel's health. tweepy over HTTP, no mocks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from channels.services.connect import channel_connect, channel_reconnect
from channels.services.x_webhook import x_webhook_register
from events.models import Event
from inbox.models import ChannelWebhook
from inbox.networks.x import make_client

pytestmark = pytest.mark.django_db

CREDENTIALS = {"access_token": "999-sandbox-token", "access_token_secret": "sandbox-token-secret"}
X_SECRET = "sandbox-consumer-secret"


@pytest.fixture
def public(live_server, settings):
    """The app reachable at a public address, with X's consumer secret."""
    settings.SOCIALDESK_BASE_URL = live_server.url
    settings.X_CONSUMER_SECRET = X_SECRET
    return live_server.url


@pytest.fixture
def accounts(sandbox):
    for uid, name in (("999", "council_help"), ("998", "riverside_roads")):
        sandbox.post("/_sandbox/x/accounts", {"id": uid, "username": name, "name": name})


def connect(admin_user, team_a, token="999-sandbox-token"):
    return channel_connect(
        actor=admin_user,
        network="x",
        credentials={
            "consumer_key": "sandbox-consumer-key",
            "consumer_secret": X_SECRET,
            "access_token": token,
            "access_token_secret": "sandbox-token-secret",
        },
        teams=[team_a],
    )


def test_connecting_registers_the_webhook_and_subscribes_the_account(
    public, sandbox, accounts, admin_user, team_a
):
    channel = connect(admin_user, team_a)

    hook = ChannelWebhook.objects.get(channel=channel)
    assert hook.state == "subscribed" and hook.url == public + "/webhooks/x/"
    [registered] = sandbox.outbox(network="x", kind="webhook_register")
    assert registered["target"] == hook.url and registered["result_id"] == hook.external_id
    [subscribed] = sandbox.outbox(network="x", kind="webhook_subscribe")
    assert (subscribed["account_id"], subscribed["target"]) == ("999", hook.external_id)
    event = Event.objects.get(type="channel.webhooks_subscribed", channel=channel)
    assert event.actor == admin_user and event.data["webhook_id"] == hook.external_id


def test_a_second_account_reuses_the_apps_one_webhook(
    public, sandbox, accounts, admin_user, team_a
):
    first = connect(admin_user, team_a)
    second = connect(admin_user, team_a, token="998-sandbox-token")
    assert len(sandbox.outbox(network="x", kind="webhook_register")) == 1
    assert {s["account_id"] for s in sandbox.outbox(network="x", kind="webhook_subscribe")} == {
        "999",
        "998",
    }
    assert first.webhook.external_id == second.webhook.external_id


def test_a_wrong_crc_answer_fails_registration_and_says_so(
    public, sandbox, accounts, admin_user, team_a, settings
):
    settings.X_CONSUMER_SECRET = "not-the-apps-secret"  # our CRC answer will be wrong
    channel = connect(admin_user, team_a)
    hook = ChannelWebhook.objects.get(channel=channel)
    assert hook.state == "failed" and "CRC" in hook.detail
    assert not sandbox.outbox(network="x", kind="webhook_subscribe")
    assert Event.objects.filter(type="channel.webhooks_failed", channel=channel).exists()
    # Reconnecting once the secret is right registers it.
    settings.X_CONSUMER_SECRET = X_SECRET
    channel_reconnect(channel=channel, actor=admin_user)
    hook.refresh_from_db()
    assert hook.state == "subscribed"


def test_without_a_public_address_nothing_is_registered(
    sandbox, accounts, admin_user, team_a, settings
):
    settings.SOCIALDESK_BASE_URL = ""
    channel = connect(admin_user, team_a)
    hook = ChannelWebhook.objects.get(channel=channel)
    assert hook.state == "not_configured" and "SOCIALDESK_BASE_URL" in hook.detail
    assert not sandbox.outbox(network="x", kind="webhook_register")


def test_a_rate_limited_registration_is_a_failure_in_words(
    public, sandbox, accounts, admin_user, team_a, x_channel
):
    sandbox.post(
        "/_sandbox/faults",
        {"network": "x", "method": "POST", "path": r"^/2/webhooks$", "kind": "rate_limit"},
    )
    hook = x_webhook_register(channel=x_channel, actor=admin_user)
    assert hook.state == "failed" and hook.detail.startswith("X refused")


def test_the_channels_page_shows_the_registration(
    client, public, sandbox, accounts, admin_user, team_a
):
    connect(admin_user, team_a)
    client.force_login(admin_user)
    page = client.get(reverse("channels:list")).content.decode()
    assert "Webhook registered and subscribed" in page


def test_the_sandbox_rechecks_the_webhook_on_put(public, sandbox, accounts, settings):
    client = make_client({"consumer_key": "k", "consumer_secret": X_SECRET, **CREDENTIALS})
    url = public + "/webhooks/x/"
    created = client.request("POST", "/2/webhooks", json={"url": url}, user_auth=True).json()
    webhook_id = created["data"]["id"]
    assert created["data"]["valid"] is True
    settings.X_CONSUMER_SECRET = "rotated"  # our answers go wrong
    client.request("PUT", f"/2/webhooks/{webhook_id}", user_auth=True)
    [listed] = client.request("GET", "/2/webhooks", user_auth=True).json()["data"]
    assert (listed["id"], listed["valid"]) == (webhook_id, False)
