"""Sign in with X on the channel pages: the Django views end to end with the
test client, the sandbox playing X (its consent page fetched over HTTP the way
a browser would), and tweepy's OAuth1UserHandler doing the token exchange.

Admins only at every step; a forged, cancelled or replayed sign-in stores
nothing and is recorded; tokens are never rendered and wait encrypted."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels.services import connect as channel_services
from events.models import Event
from inbox.models import Channel, Message
from inbox.networks import transport
from inbox.services import polling
from socialdesk import crypto
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

CONNECT_X = reverse("channels:connect_x")
X_LOGIN = reverse("channels:x_login")
X_CALLBACK = reverse("channels:x_callback")
X_CHOOSE = reverse("channels:x_choose")
LIST = reverse("channels:list")
PENDING = "channels_x_oauth_request"
ACCOUNT = "channels_x_oauth_account"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def council_x(sandbox):
    sandbox.post(
        "/_sandbox/x/accounts",
        {"id": "999", "username": "council_help", "name": "Riverside Council"},
    )


def form_action_sources(response) -> list[str]:
    """Where the page's CSP lets a form submit, and so redirect, to."""
    policy = response["Content-Security-Policy"]
    return next(d for d in policy.split(";") if d.strip().startswith("form-action")).split()[1:]


def start(admin_client, sandbox, url: str = X_LOGIN) -> str:
    """Press "Sign in with X": the browser is sent to the sandbox's consent page."""
    response = admin_client.post(url)
    assert response.status_code == 302, response
    authorize = response["Location"]
    assert authorize.startswith(f"{sandbox.url}/x/oauth/authorize?oauth_token=")
    return authorize


def browser_consents(authorize: str, **params: str) -> str:
    """The browser visits the consent page, which redirects back to the app."""
    response = requests.get(authorize, params=params or None, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    back = urlsplit(response.headers["Location"])
    assert (back.netloc, back.path) == ("testserver", X_CALLBACK)
    return f"{back.path}?{back.query}"


def oauth_events(**filters):
    return list(Event.objects.filter(type="channel.oauth_failed", **filters).order_by("pk"))


def assert_nothing_stored():
    assert not Channel.objects.exists()
    assert not Event.objects.filter(type="channel.connected").exists()


# --- the whole flow --------------------------------------------------------------------------


def test_an_admin_connects_an_x_account_by_signing_in_with_x(
    admin_client, admin_user, sandbox, council_x, team_a
):
    assert "Sign in with X" in admin_client.get(CONNECT_X).content.decode()
    authorize = start(admin_client, sandbox)
    request_token = parse_qs(urlsplit(authorize).query)["oauth_token"][0]
    stored = admin_client.session[PENDING]
    assert request_token not in stored  # waits encrypted
    assert crypto.decrypt_json(stored)["token"] == request_token

    callback = admin_client.get(browser_consents(authorize))
    assert callback.status_code == 302 and callback["Location"] == X_CHOOSE
    assert PENDING not in admin_client.session
    credentials = crypto.decrypt_json(admin_client.session[ACCOUNT])["credentials"]
    assert credentials["access_token"].startswith("999-")

    page = admin_client.get(X_CHOOSE)
    html = page.content.decode()
    assert (
        page.status_code == 200
        and "You signed in to X as <strong><bdi>@council_help</bdi></strong>" in html
    )
    assert 'value="Riverside Council"' in html  # the account's name, ready to edit
    assert credentials["access_token"] not in html
    assert credentials["access_token_secret"] not in html

    done = admin_client.post(X_CHOOSE, {"name": "Council X", "teams": [team_a.pk]})
    assert done.status_code == 302 and done["Location"] == LIST
    channel = Channel.objects.get()
    assert (channel.network, channel.external_account_id, channel.handle, channel.name) == (
        "x",
        "999",
        "@council_help",
        "Council X",
    )
    assert channel.get_credentials() == credentials
    assert credentials["consumer_key"] == "sandbox-consumer-key"
    assert list(channel.teams.all()) == [team_a]
    event = Event.objects.get(type="channel.connected")
    assert (event.actor, event.channel_id, event.data["via"]) == (admin_user, channel.pk, "oauth")
    assert credentials["access_token"] not in str(event.data)
    assert ACCOUNT not in admin_client.session
    assert admin_client.get(X_CHOOSE)["Location"] == CONNECT_X
    assert not oauth_events()
    assert "Connected @council_help on X." in admin_client.get(LIST).content.decode()


def test_the_channel_polls_with_the_tokens_x_issued(admin_client, sandbox, council_x, team_a):
    admin_client.get(browser_consents(start(admin_client, sandbox)))
    admin_client.post(X_CHOOSE, {"teams": [team_a.pk]})
    channel = Channel.objects.get()
    sandbox.inject(kind="mention", account_id="999", text="@council_help bins on Elm Rd?")

    result = polling.channel_poll(channel_id=channel.pk)

    assert result is not None and result.stored == 1
    assert Message.objects.get().text == "@council_help bins on Elm Rd?"
    channel.refresh_from_db()
    assert channel.last_polled_at is not None and not channel.needs_attention


# --- refusals: nothing stored, the attempt recorded ------------------------------------------


def test_a_callback_with_another_request_token_connects_nothing(admin_client, sandbox, council_x):
    authorize = start(admin_client, sandbox)
    callback = browser_consents(authorize)
    forged = callback.replace("oauth_token=", "oauth_token=forged")
    response = admin_client.get(forged)
    assert response.status_code == 302 and response["Location"] == CONNECT_X
    assert "could not be verified" in admin_client.get(CONNECT_X).content.decode()
    assert ACCOUNT not in admin_client.session and PENDING not in admin_client.session
    # The genuine callback now fails too: the pending sign-in was used up.
    assert admin_client.get(callback)["Location"] == CONNECT_X
    assert admin_client.get(X_CHOOSE)["Location"] == CONNECT_X
    assert_nothing_stored()
    assert [e.data["reason"] for e in oauth_events()] == ["token_mismatch", "token_mismatch"]


def test_a_callback_nobody_started_is_refused(admin_client, sandbox):
    response = admin_client.get(X_CALLBACK, {"oauth_token": "abc", "oauth_verifier": "v"})
    assert response.status_code == 302 and response["Location"] == CONNECT_X
    response = admin_client.get(X_CALLBACK, {"oauth_token": "é✓", "oauth_verifier": "v"})
    assert response.status_code == 302  # non-ASCII is compared safely, not a 500
    assert_nothing_stored()
    assert [e.data["reason"] for e in oauth_events()] == ["token_mismatch"] * 2


def test_another_sessions_callback_cannot_be_replayed_here(
    admin_client, admin_user, sandbox, council_x
):
    victim = Client()
    victim.force_login(admin_user)
    callback = browser_consents(start(victim, sandbox))
    start(admin_client, sandbox)  # this session waits for a different request token
    assert admin_client.get(callback)["Location"] == CONNECT_X
    assert ACCOUNT not in admin_client.session
    assert_nothing_stored()


def test_a_cancelled_sign_in_connects_nothing_and_is_recorded(
    admin_client, admin_user, sandbox, council_x
):
    callback = browser_consents(start(admin_client, sandbox), decision="deny")
    assert "denied=" in callback and "oauth_verifier" not in callback
    response = admin_client.get(callback)
    assert response.status_code == 302 and response["Location"] == CONNECT_X
    assert "was cancelled" in admin_client.get(CONNECT_X).content.decode()
    assert_nothing_stored()
    [event] = oauth_events()
    assert (event.actor, event.data["network"], event.data["reason"]) == (
        admin_user,
        "x",
        "denied",
    )


def test_a_verifier_already_used_is_refused(admin_client, sandbox, council_x):
    callback = browser_consents(start(admin_client, sandbox))
    pending = crypto.decrypt_json(admin_client.session[PENDING])
    verifier = parse_qs(urlsplit(callback).query)["oauth_verifier"][0]
    # Someone exchanges it first (a replayed or leaked callback).
    channel_services.x_credentials_from_verifier(
        request_token=pending["token"], request_secret=pending["secret"], verifier=verifier
    )
    response = admin_client.get(callback)
    assert response.status_code == 302 and response["Location"] == CONNECT_X
    assert "expired or was already used" in admin_client.get(CONNECT_X).content.decode()
    assert ACCOUNT not in admin_client.session
    assert_nothing_stored()
    assert [e.data["reason"] for e in oauth_events()] == ["exchange_failed"]


def test_a_wrong_verifier_is_refused(admin_client, sandbox, council_x):
    callback = browser_consents(start(admin_client, sandbox))
    query = parse_qs(urlsplit(callback).query)
    response = admin_client.get(
        X_CALLBACK, {"oauth_token": query["oauth_token"][0], "oauth_verifier": "guess"}
    )
    assert response["Location"] == CONNECT_X
    assert_nothing_stored()
    assert [e.data["reason"] for e in oauth_events()] == ["exchange_failed"]


def test_x_refusing_to_start_is_explained(admin_client, sandbox):
    sandbox.fault(path=r"/oauth/request_token", kind="server_error", params={"status": 503})
    response = admin_client.post(X_LOGIN)
    assert response.status_code == 302 and response["Location"] == CONNECT_X
    page = admin_client.get(CONNECT_X).content.decode()
    assert "X could not complete the sign-in just now (HTTP 503)" in page
    assert PENDING not in admin_client.session
    assert [e.data["reason"] for e in oauth_events()] == ["start_failed"]


def test_without_app_keys_there_is_no_sign_in_button(admin_client, sandbox, settings):
    settings.X_CONSUMER_SECRET = ""
    page = admin_client.get(CONNECT_X).content.decode()
    assert "needs <code>X_CONSUMER_KEY</code>" in page and X_LOGIN not in page
    response = admin_client.post(X_LOGIN)
    assert response["Location"] == CONNECT_X
    assert "must be set to use Sign in with X" in admin_client.get(CONNECT_X).content.decode()


def test_an_account_already_connected_is_refused_at_the_last_step(
    admin_client, sandbox, x_channel, team_a
):
    admin_client.get(browser_consents(start(admin_client, sandbox)))
    response = admin_client.post(X_CHOOSE, {"teams": [team_a.pk]})
    assert response.status_code == 422 and "already connected" in response.content.decode()
    assert Channel.objects.count() == 1
    assert not Event.objects.filter(type="channel.connected").exists()


def test_an_unknown_team_is_a_form_error_and_stores_nothing(admin_client, sandbox, council_x):
    admin_client.get(browser_consents(start(admin_client, sandbox)))
    response = admin_client.post(X_CHOOSE, {"teams": [424242]})
    assert response.status_code == 422 and "There is a problem" in response.content.decode()
    assert_nothing_stored()
    assert ACCOUNT in admin_client.session  # they can correct it and submit again


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "teammate", "manager", "other_officer"])
def test_only_admins_may_take_any_step(client, request, who, sandbox, x_channel):
    client.force_login(request.getfixturevalue(who))
    reconnect = reverse("channels:x_reconnect_login", args=[x_channel.pk])
    assert client.post(X_LOGIN).status_code == 403
    assert client.post(reconnect).status_code == 403
    assert client.get(X_CALLBACK, {"oauth_token": "t", "oauth_verifier": "v"}).status_code == 403
    assert client.get(X_CALLBACK, {"denied": "t"}).status_code == 403
    assert client.get(X_CHOOSE).status_code == 403
    assert client.post(X_CHOOSE, {"name": "x"}).status_code == 403
    assert PENDING not in client.session and ACCOUNT not in client.session
    assert Channel.objects.count() == 1
    assert not Event.objects.filter(type__startswith="channel.").exists()


def test_a_non_admin_cannot_finish_an_admins_sign_in(
    client, admin_client, officer, sandbox, council_x
):
    callback = browser_consents(start(admin_client, sandbox))
    client.force_login(officer)
    assert client.get(callback).status_code == 403
    assert_nothing_stored()


def test_signed_out_people_are_sent_to_sign_in(client):
    for response in (client.post(X_LOGIN), client.get(X_CALLBACK), client.get(X_CHOOSE)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_sign_in_must_be_started_with_a_post(admin_client, sandbox):
    assert admin_client.get(X_LOGIN).status_code == 405
    assert PENDING not in admin_client.session


# --- renewing a channel that needs attention -------------------------------------------------


def test_an_x_channel_that_needs_attention_is_renewed_by_signing_in_again(
    admin_client, admin_user, sandbox, x_channel
):
    Channel.objects.filter(pk=x_channel.pk).update(needs_attention=True, last_error="401")
    page = admin_client.get(CONNECT_X).content.decode()
    assert "Sign in with X again" in page and "Renew an account that needs attention" in page
    url = reverse("channels:x_reconnect_login", args=[x_channel.pk])

    response = admin_client.get(browser_consents(start(admin_client, sandbox, url)))

    assert response.status_code == 302 and response["Location"] == LIST
    x_channel.refresh_from_db()
    assert not x_channel.needs_attention
    token = x_channel.get_credentials()["access_token"]
    assert token.startswith("999-") and token != "999-sandbox-token"
    renewed = Event.objects.filter(
        type__in=["channel.credentials_updated", "channel.reconnected"]
    ).order_by("pk")
    assert [e.type for e in renewed] == ["channel.credentials_updated", "channel.reconnected"]
    assert not oauth_events()
    assert Event.objects.get(type="channel.reconnected").actor == admin_user


def test_renewing_with_another_account_is_refused(admin_client, sandbox, x_channel):
    sandbox.post(
        "/_sandbox/x/accounts", {"id": "555", "username": "riverside_roads", "name": "Roads"}
    )
    Channel.objects.filter(pk=x_channel.pk).update(needs_attention=True)
    url = reverse("channels:x_reconnect_login", args=[x_channel.pk])
    callback = browser_consents(start(admin_client, sandbox, url), screen_name="riverside_roads")

    response = admin_client.get(callback)

    assert response["Location"] == reverse("channels:reconnect", args=[x_channel.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert "belong to @riverside_roads, not to @council_help" in page
    x_channel.refresh_from_db()
    assert x_channel.needs_attention
    assert x_channel.get_credentials()["access_token"] == "999-sandbox-token"
    [event] = oauth_events()
    assert (event.channel_id, event.data["reason"]) == (x_channel.pk, "reconnect_failed")
    assert not Event.objects.filter(type="channel.reconnected").exists()


def test_only_x_channels_are_renewed_with_x(admin_client, sandbox):
    facebook = ChannelFactory(network="facebook", external_account_id="104857600000")
    url = reverse("channels:x_reconnect_login", args=[facebook.pk])
    assert admin_client.post(url).status_code == 404
    assert admin_client.post(reverse("channels:x_reconnect_login", args=[4242])).status_code == 404


def test_the_connect_page_reads_a_fixed_number_of_queries(admin_client, sandbox):
    ChannelFactory(network="x", needs_attention=True)
    admin_client.get(CONNECT_X)  # warm the session and role lookups
    with CaptureQueriesContext(connection) as one:
        admin_client.get(CONNECT_X)
    for _ in range(5):
        ChannelFactory(network="x", needs_attention=True)
    with CaptureQueriesContext(connection) as six:
        page = admin_client.get(CONNECT_X).content.decode()
    assert len(six) == len(one)
    assert page.count("Sign in with X again") == 6


# --- the browser goes to X in production, to the sandbox on the sandbox ---------------------


def test_the_consent_address_is_x_in_production_and_the_sandbox_otherwise(settings):
    real = "https://api.twitter.com/oauth/authorize?oauth_token=abc"
    hosts = ["https://api.twitter.com", "https://api.x.com"]
    settings.SOCIAL_SANDBOX_URL = ""
    assert transport.browser_url(real, real_bases=hosts, sandbox_prefix="/x") == real
    settings.SOCIAL_SANDBOX_URL = "http://127.0.0.1:8088/"
    assert (
        transport.browser_url(real, real_bases=hosts, sandbox_prefix="/x")
        == "http://127.0.0.1:8088/x/oauth/authorize?oauth_token=abc"
    )


def test_the_connect_page_lets_its_forms_go_to_the_consent_page(admin_client, sandbox):
    assert form_action_sources(admin_client.get(CONNECT_X)) == ["'self'", sandbox.url]


def test_the_reconnect_page_of_an_x_channel_offers_sign_in_again(admin_client, sandbox, x_channel):
    Channel.objects.filter(pk=x_channel.pk).update(needs_attention=True, last_error="401")
    response = admin_client.get(reverse("channels:reconnect", args=[x_channel.pk]))
    page = response.content.decode()
    assert reverse("channels:x_reconnect_login", args=[x_channel.pk]) in page
    assert form_action_sources(response) == ["'self'", sandbox.url]


def test_the_facebook_connect_page_lets_its_login_form_go_to_the_dialog(admin_client, sandbox):
    # The same CSP rule as for X: Facebook Login's POST redirects to the dialog.
    response = admin_client.get(reverse("channels:connect_facebook"))
    assert form_action_sources(response) == ["'self'", sandbox.url]
