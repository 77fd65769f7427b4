"""Connecting a Bluesky account with its handle and an app password: admins
only, checked by signing in before anything is stored, the app password and
session stored encrypted and never shown again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Event
from inbox.models import Channel
from tests.inbox.bluesky_support import (
    APP_PASSWORD,
    HANDLE,
    bsky_channel_fixture,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db

CONNECT = reverse("channels:connect_bluesky")
LIST = reverse("channels:list")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def council(sandbox):
    return sandbox.post(
        "/_sandbox/bsky/accounts",
        {"handle": HANDLE, "display_name": "Riverside Council", "app_password": APP_PASSWORD},
    )["account"]


@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_only_admins_may_connect_a_bluesky_account(client, request, who, sandbox, council):
    client.force_login(request.getfixturevalue(who))
    assert client.get(CONNECT).status_code == 403
    response = client.post(CONNECT, {"identifier": HANDLE, "app_password": APP_PASSWORD})
    assert response.status_code == 403 and not Channel.objects.exists()


def test_an_admin_connects_an_account_with_an_app_password(
    admin_client, admin_user, sandbox, council, team_a
):
    assert "Connect a Bluesky account" in admin_client.get(LIST).content.decode()
    response = admin_client.post(
        CONNECT, {"identifier": f"@{HANDLE}", "app_password": APP_PASSWORD, "teams": [team_a.pk]}
    )
    assert response.status_code == 302 and response["Location"] == LIST
    channel = Channel.objects.get()
    assert (channel.network, channel.external_account_id, channel.handle, channel.name) == (
        "bluesky",
        council["did"],
        f"@{HANDLE}",
        "Riverside Council",
    )
    credentials = channel.get_credentials()
    assert credentials["identifier"] == HANDLE and credentials["app_password"] == APP_PASSWORD
    assert credentials["session"].startswith(f"{HANDLE}:::{council['did']}:::")
    assert APP_PASSWORD not in channel.credentials_encrypted
    event = Event.objects.get(type="channel.connected")
    assert (event.actor, event.data["network"]) == (admin_user, "bluesky")
    assert APP_PASSWORD not in str(event.data)
    page = admin_client.get(LIST).content.decode()
    assert f"Connected @{HANDLE} on Bluesky." in page and APP_PASSWORD not in page


def test_a_wrong_app_password_stores_nothing_and_is_not_shown_back(admin_client, sandbox, council):
    response = admin_client.post(CONNECT, {"identifier": HANDLE, "app_password": "wrong-one"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Bluesky did not accept these credentials" in html and "wrong-one" not in html
    assert not Channel.objects.exists()
    assert not Event.objects.filter(type__startswith="channel.").exists()


def test_reconnect_with_a_new_app_password_clears_needs_attention(
    admin_client, sandbox, bsky_channel
):
    sandbox.post("/_sandbox/bsky/revoke", {"account": HANDLE})
    Channel.objects.filter(pk=bsky_channel.pk).update(needs_attention=True)
    url = reverse("channels:reconnect", args=[bsky_channel.pk])
    assert admin_client.post(url, {"app_password": ""}).status_code == 422  # still revoked
    sandbox.post("/_sandbox/bsky/accounts", {"handle": HANDLE, "app_password": "sbx-app-new1"})
    response = admin_client.post(url, {"app_password": "sbx-app-new1"})
    assert response.status_code == 302
    bsky_channel.refresh_from_db()
    assert not bsky_channel.needs_attention
    assert bsky_channel.get_credentials()["app_password"] == "sbx-app-new1"
    assert Event.objects.get(type="channel.credentials_updated").data["fields"] == ["app_password"]
