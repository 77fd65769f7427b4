"""Connecting a Mastodon account with OAuth on the channel pages: the Django
views with the test client, the sandbox playing the instance (app
registration, consent page fetched over HTTP as a browser would, token
exchange by Mastodon.py). A forged or cancelled sign-in stores nothing."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from events.models import Event
from inbox.models import Channel, Message
from inbox.services import polling
from socialdesk import crypto
from tests.inbox.mastodon_support import masto_inject

pytestmark = pytest.mark.django_db

CONNECT = reverse("channels:connect_mastodon")
CALLBACK = reverse("channels:mastodon_callback")
CHOOSE = reverse("channels:mastodon_choose")
LIST = reverse("channels:list")
PENDING = "channels_masto_oauth_pending"
ACCOUNT = "channels_masto_oauth_account"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def council(sandbox):
    sandbox.post(
        "/_sandbox/masto/accounts",
        {"id": "1001", "username": "riverside", "display_name": "Riverside Council"},
    )
    sandbox.post("/_sandbox/masto/instance", {"max_characters": 1000})


def start(admin_client, instance="social.sandbox.example") -> str:
    """Give the instance: SocialDesk registers there and links to its consent page."""
    page = admin_client.post(CONNECT, {"instance": instance})
    assert page.status_code == 200, page.content.decode()[:2000]
    found = re.search(r'id="masto-consent" href="([^"]+)"', page.content.decode())
    assert found, "the page links to the instance's consent page"
    return html.unescape(found.group(1))


def browser_consents(consent: str, **params: str) -> str:
    response = requests.get(consent, params=params or None, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    back = urlsplit(response.headers["Location"])
    assert (back.netloc, back.path) == ("testserver", CALLBACK)
    return f"{back.path}?{back.query}"


def test_an_admin_connects_a_mastodon_account_by_signing_in_on_its_instance(
    admin_client, admin_user, sandbox, council, team_a
):
    assert "Connect a Mastodon account" in admin_client.get(LIST).content.decode()
    consent = start(admin_client)
    query = parse_qs(urlsplit(consent).query)
    assert query["scope"] == ["read write follow"] and query["response_type"] == ["code"]
    pending = crypto.decrypt_json(admin_client.session[PENDING])
    assert pending["instance"] == "https://social.sandbox.example"
    assert pending["client_id"] == query["client_id"][0]  # the app registered just now

    callback = admin_client.get(browser_consents(consent))
    assert callback.status_code == 302 and callback["Location"] == CHOOSE
    credentials = crypto.decrypt_json(admin_client.session[ACCOUNT])["credentials"]
    page = admin_client.get(CHOOSE).content.decode()
    assert "<bdi>@riverside@social.sandbox.example</bdi>" in page
    assert credentials["access_token"] not in page and credentials["client_secret"] not in page

    done = admin_client.post(CHOOSE, {"name": "Council (Mastodon)", "teams": [team_a.pk]})
    assert done.status_code == 302 and done["Location"] == LIST
    channel = Channel.objects.get()
    assert (channel.network, channel.external_account_id, channel.handle) == (
        "mastodon",
        "1001@social.sandbox.example",
        "@riverside@social.sandbox.example",
    )
    assert channel.post_max_characters == 1000  # read from the instance
    assert channel.get_credentials() == credentials
    assert credentials["access_token"] not in channel.credentials_encrypted  # encrypted at rest
    event = Event.objects.get(type="channel.connected")
    assert (event.actor, event.data["via"]) == (admin_user, "oauth")
    assert ACCOUNT not in admin_client.session

    # The token the instance issued is the one polling uses.
    masto_inject(sandbox, kind="mention", text="@riverside hello")
    polling.channel_poll(channel_id=channel.pk)
    assert Message.objects.get().text == "@riverside hello"


def test_a_callback_with_another_state_connects_nothing(admin_client, sandbox, council):
    consent = start(admin_client)
    back = browser_consents(consent).replace("state=", "state=forged")
    response = admin_client.get(back)
    assert response["Location"] == CONNECT
    assert not Channel.objects.exists()
    assert Event.objects.get(type="channel.oauth_failed").data["reason"] == "state_mismatch"


def test_a_refused_consent_connects_nothing(admin_client, sandbox, council):
    consent = start(admin_client)
    response = admin_client.get(browser_consents(consent, decision="deny"))
    assert response["Location"] == CONNECT
    assert not Channel.objects.exists()
    assert Event.objects.get(type="channel.oauth_failed").data["reason"] == "denied"


def test_a_replayed_callback_is_refused(admin_client, sandbox, council, team_a):
    consent = start(admin_client)
    back = browser_consents(consent)
    admin_client.get(back)
    # The same callback again (a replayed URL): the pending sign-in is gone.
    assert admin_client.get(back)["Location"] == CONNECT
    assert Event.objects.get(type="channel.oauth_failed").data["reason"] == "state_mismatch"


@pytest.mark.parametrize("instance", ["", "not a host", "http://insecure.example"])
def test_an_unusable_instance_address_is_explained(admin_client, sandbox, instance):
    response = admin_client.post(CONNECT, {"instance": instance})
    assert response.status_code == 422
    assert not Channel.objects.exists()


def test_non_admins_cannot_start(client, officer, sandbox):
    client.force_login(officer)
    assert client.get(CONNECT).status_code == 403
    assert client.post(CONNECT, {"instance": "social.sandbox.example"}).status_code == 403


def test_an_expired_channel_is_renewed_by_signing_in_again(admin_client, sandbox, council, team_a):
    consent = start(admin_client)
    admin_client.get(browser_consents(consent))
    admin_client.post(CHOOSE, {"teams": [team_a.pk]})
    channel = Channel.objects.get()
    channel.set_credentials(channel.get_credentials() | {"access_token": "expired-token"})
    channel.needs_attention = True
    channel.save()

    page = admin_client.post(reverse("channels:mastodon_reconnect_login", args=[channel.pk]))
    found = re.search(r'id="masto-consent" href="([^"]+)"', page.content.decode())
    done = admin_client.get(browser_consents(html.unescape(found.group(1))))
    assert done["Location"] == LIST
    channel.refresh_from_db()
    assert not channel.needs_attention
    assert channel.get_credentials()["access_token"] != "expired-token"
