"""The channel connection pages: admins only, checked against the (sandbox)
network before anything is stored, every action an event, secrets never shown."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from events.models import Event
from inbox.models import Channel
from socialdesk import crypto
from tests.factories import ChannelFactory
from tests.inbox.facebook_support import (
    PAGE_ID,
    PAGE_TOKEN,
    fb_channel_fixture,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db

LIST = reverse("channels:list")
CONNECT_X = reverse("channels:connect_x")
CONNECT_FB = reverse("channels:connect_facebook")
FB_LOGIN = reverse("channels:facebook_login")
FB_CALLBACK = reverse("channels:facebook_callback")
FB_CHOOSE = reverse("channels:facebook_choose")


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    return signed_in(client, admin_user)


@pytest.fixture
def council_page(sandbox):
    sandbox.post(
        "/_sandbox/fb/pages",
        {
            "id": PAGE_ID,
            "name": "Riverside Council",
            "username": "RiversideCouncil",
            "access_token": PAGE_TOKEN,
        },
    )


@pytest.fixture
def council_x(sandbox):
    sandbox.post(
        "/_sandbox/x/accounts",
        {"id": "999", "username": "council_help", "name": "Riverside Council"},
    )


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_only_admins_may_use_any_channel_page(client, request, who, channel_a):
    signed_in(client, request.getfixturevalue(who))
    reconnect = reverse("channels:reconnect", args=[channel_a.pk])
    for url in (LIST, CONNECT_X, CONNECT_FB, FB_CHOOSE, FB_CALLBACK, reconnect):
        assert client.get(url).status_code == 403, url
    for url in (CONNECT_X, CONNECT_FB, FB_LOGIN, FB_CHOOSE, reconnect):
        assert client.post(url, {"page_id": "1", "access_token": "999-x"}).status_code == 403, url
    assert Channel.objects.count() == 1
    assert not Event.objects.filter(type__startswith="channel.").exists()


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_health_in_words_and_never_credentials(
    admin_client, team_a, django_assert_max_num_queries
):
    from django.utils import timezone

    now = timezone.now()
    working = ChannelFactory(name="Working one", last_polled_at=now, covered_by=[team_a])
    ChannelFactory(
        name="Broken one",
        needs_attention=True,
        last_error="<script>alert(1)</script> token expired",
    )
    ChannelFactory(name="Throttled one", rate_limited_until=now + timezone.timedelta(minutes=5))
    working.set_credentials(
        {"access_token": "999-very-secret-token", "access_token_secret": "s3cr3t"}
    )
    working.save()
    with django_assert_max_num_queries(12):
        response = admin_client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Working",
        "Needs attention: reconnect it",
        "Rate limited until",
        "Customer Services",
    ):
        assert text in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "very-secret-token" not in html and "s3cr3t" not in html


def test_the_list_reads_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    ChannelFactory()
    admin_client.get(LIST)  # warm the session and role lookups
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        admin_client.get(LIST)
    for _ in range(6):
        ChannelFactory()
    with CaptureQueriesContext(connection) as seven:
        admin_client.get(LIST)
    assert len(seven) == len(one)


# --- connecting ---------------------------------------------------------------------------------


def test_an_admin_connects_an_x_account_with_sandbox_credentials(
    admin_client, admin_user, sandbox, council_x, team_a
):
    response = admin_client.post(
        CONNECT_X,
        {
            "access_token": "999-sandbox-token",
            "access_token_secret": "sandbox-token-secret",
            "teams": [team_a.pk],
        },
    )
    assert response.status_code == 302 and response["Location"] == LIST
    channel = Channel.objects.get()
    assert (channel.network, channel.external_account_id, channel.handle, channel.name) == (
        "x",
        "999",
        "@council_help",
        "Riverside Council",
    )
    assert channel.is_sandbox and list(channel.teams.all()) == [team_a]
    assert channel.get_credentials() == {
        "consumer_key": "sandbox-consumer-key",
        "consumer_secret": "sandbox-consumer-secret",
        "access_token": "999-sandbox-token",
        "access_token_secret": "sandbox-token-secret",
    }
    event = Event.objects.get(type="channel.connected")
    assert (event.actor, event.channel_id, event.data["via"]) == (
        admin_user,
        channel.pk,
        "credentials",
    )
    assert "sandbox-token" not in str(event.data)
    page = admin_client.get(LIST).content.decode()
    assert "@council_help" in page and "Connected @council_help on X." in page


def test_credentials_the_network_rejects_store_nothing(admin_client, sandbox):
    response = admin_client.post(
        CONNECT_X, {"access_token": "999-expired-token", "access_token_secret": "s"}
    )
    assert response.status_code == 422
    assert "X did not accept these credentials" in response.content.decode()
    assert 'value="999-expired-token"' not in response.content.decode()
    assert not Channel.objects.exists()
    assert not Event.objects.filter(type__startswith="channel.").exists()


def test_a_missing_field_is_explained_next_to_it(admin_client, sandbox):
    response = admin_client.post(CONNECT_X, {"access_token": "999-x"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in html and 'aria-invalid="true"' in html
    assert not Channel.objects.exists()


def test_connecting_the_same_account_twice_is_refused(admin_client, sandbox, council_x):
    data = {"access_token": "999-a", "access_token_secret": "s"}
    admin_client.post(CONNECT_X, data)
    response = admin_client.post(CONNECT_X, data)
    assert response.status_code == 422 and "already connected" in response.content.decode()
    assert Channel.objects.count() == 1
    assert Event.objects.filter(type="channel.connected").count() == 1


def test_an_admin_connects_a_facebook_page_and_it_is_subscribed_to_webhooks(
    admin_client, admin_user, sandbox, council_page, team_a
):
    response = admin_client.post(
        CONNECT_FB,
        {"page_id": PAGE_ID, "page_access_token": PAGE_TOKEN, "teams": [team_a.pk], "name": ""},
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.network, channel.external_account_id, channel.name, channel.handle) == (
        "facebook",
        PAGE_ID,
        "Riverside Council",
        "RiversideCouncil",
    )
    assert channel.get_credentials() == {
        "page_access_token": PAGE_TOKEN,
        "app_secret": "sandbox-app-secret",
    }
    [subscribed] = sandbox.outbox(network="fb", kind="subscribe")
    assert subscribed["meta"]["fields"] == ["feed", "mention", "messages"]
    assert [e.type for e in Event.objects.filter(type__startswith="channel.").order_by("pk")] == [
        "channel.connected",
        "channel.backfill_started",
        "channel.webhooks_subscribed",
    ]


def test_a_facebook_page_can_be_connected_through_facebook_login(
    admin_client, admin_user, sandbox, council_page, team_a
):
    start = admin_client.post(FB_LOGIN)
    assert start.status_code == 302
    dialog = start["Location"]
    assert dialog.startswith(sandbox.url + "/fb/v21.0/dialog/oauth?")
    assert parse_qs(urlsplit(dialog).query)["scope"][0].startswith("pages_show_list")
    # The sandbox's dialog consents at once and sends the browser back with a code.
    back = requests.get(dialog, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == FB_CALLBACK

    chosen = admin_client.get(f"{callback.path}?{callback.query}")
    assert chosen.status_code == 302 and chosen["Location"] == FB_CHOOSE
    page = admin_client.get(FB_CHOOSE).content.decode()
    assert "Riverside Council" in page and PAGE_TOKEN not in page

    done = admin_client.post(FB_CHOOSE, {"page": PAGE_ID, "teams": [team_a.pk]})
    assert done.status_code == 302
    channel = Channel.objects.get()
    assert channel.get_credentials()["page_access_token"] == PAGE_TOKEN
    assert Event.objects.get(type="channel.connected").data["via"] == "oauth"
    assert admin_client.get(FB_CHOOSE).status_code == 302  # the Page tokens left the session


def test_a_facebook_login_with_a_forged_state_connects_nothing(admin_client, sandbox, council_page):
    admin_client.post(FB_LOGIN)
    response = admin_client.get(FB_CALLBACK, {"code": "sbx-code-abc", "state": "forged"})
    assert response.status_code == 302 and response["Location"] == CONNECT_FB
    assert admin_client.get(FB_CHOOSE).status_code == 302
    assert not Channel.objects.exists()


def test_the_oauth_pages_wait_encrypted_in_the_session(admin_client, sandbox, council_page):
    dialog = admin_client.post(FB_LOGIN)["Location"]
    callback = urlsplit(requests.get(dialog, allow_redirects=False, timeout=5).headers["Location"])
    admin_client.get(f"{callback.path}?{callback.query}")
    stored = admin_client.session["channels_fb_oauth_pages"]
    assert PAGE_TOKEN not in stored
    assert crypto.decrypt_json(stored)["pages"][0]["access_token"] == PAGE_TOKEN


# --- reconnecting ------------------------------------------------------------------------------


def test_reconnect_clears_needs_attention_after_checking_the_page(
    admin_client, admin_user, fb_channel
):
    Channel.objects.filter(pk=fb_channel.pk).update(
        needs_attention=True, last_error="token expired"
    )
    url = reverse("channels:reconnect", args=[fb_channel.pk])
    page = admin_client.get(url).content.decode()
    assert "Needs attention" in page and PAGE_TOKEN not in page
    response = admin_client.post(url, {"page_access_token": ""})
    assert response.status_code == 302
    fb_channel.refresh_from_db()
    assert not fb_channel.needs_attention and fb_channel.last_error == ""
    event = Event.objects.get(type="channel.reconnected")
    assert (event.actor, event.channel_id) == (admin_user, fb_channel.pk)
    assert not Event.objects.filter(type="channel.credentials_updated").exists()


def test_reconnect_with_a_new_token_stores_it_and_says_so(admin_client, fb_channel):
    Channel.objects.filter(pk=fb_channel.pk).update(needs_attention=True)
    url = reverse("channels:reconnect", args=[fb_channel.pk])
    admin_client.post(url, {"page_access_token": "sbx-page-104857600000-renewed"})
    fb_channel.refresh_from_db()
    assert fb_channel.get_credentials()["page_access_token"] == "sbx-page-104857600000-renewed"
    assert Event.objects.get(type="channel.credentials_updated").data["fields"] == [
        "app_secret",
        "page_access_token",
    ]
    assert not fb_channel.needs_attention


def test_reconnect_refuses_credentials_the_network_still_rejects(admin_client, fb_channel):
    Channel.objects.filter(pk=fb_channel.pk).update(needs_attention=True)
    url = reverse("channels:reconnect", args=[fb_channel.pk])
    response = admin_client.post(url, {"page_access_token": "expired-token"})
    assert response.status_code == 422
    assert "Facebook did not accept these credentials" in response.content.decode()
    fb_channel.refresh_from_db()
    assert fb_channel.needs_attention
    assert fb_channel.get_credentials()["page_access_token"] == PAGE_TOKEN
    assert not Event.objects.filter(
        type__in=["channel.reconnected", "channel.credentials_updated"]
    ).exists()


def test_reconnect_refuses_another_accounts_credentials(admin_client, x_channel):
    url = reverse("channels:reconnect", args=[x_channel.pk])
    response = admin_client.post(url, {"access_token": "997-other", "access_token_secret": "s"})
    assert response.status_code == 422 and "not to @council_help" in response.content.decode()


def test_reconnect_of_an_unknown_channel_is_404(admin_client):
    assert admin_client.get(reverse("channels:reconnect", args=[424242])).status_code == 404
