"""Sign in with X: the OAuth 1.0a three-legged flow, through tweepy's real
OAuth1UserHandler over HTTP (request token, the browser's consent, the
verifier exchanged once), and the issued tokens then used against /x/2."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import tweepy

from tests.sandbox.conftest import X_HOSTS, point_at_sandbox

CALLBACK = "http://app.test/channels/connect/x/callback/"
CONSUMER = ("sandbox-consumer-key", "sandbox-consumer-secret")


class Handler(tweepy.OAuth1UserHandler):
    """tweepy's handler, pointed at the sandbox. get_access_token() builds a new
    session, so the adapter is mounted on every session tweepy sets (as the app does)."""

    sandbox_url = ""

    @property
    def oauth(self) -> Any:
        return self._oauth

    @oauth.setter
    def oauth(self, session: Any) -> None:
        point_at_sandbox(session, self.sandbox_url, timeout=5)
        self._oauth = session


@pytest.fixture
def handler(sandbox):
    def make(callback: str = CALLBACK, consumer: tuple[str, str] = CONSUMER) -> Handler:
        Handler.sandbox_url = sandbox.url
        return Handler(*consumer, callback=callback)

    return make


def in_browser(sandbox, url: str, **params: str) -> requests.Response:
    """What the browser does with the authorize URL: visit it on the sandbox."""
    for real in X_HOSTS:
        if url.startswith(real):
            url = sandbox.url + "/x" + url[len(real) :]
    return requests.get(url, params=params or None, allow_redirects=False, timeout=5)


def consent(sandbox, url: str, **params: str) -> dict[str, str]:
    response = in_browser(sandbox, url, **params)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def oauth_header(**params: str) -> dict[str, str]:
    return {"Authorization": "OAuth " + ", ".join(f'{k}="{v}"' for k, v in params.items())}


# --- the whole dance ---------------------------------------------------------------------


def test_the_three_legged_flow_issues_tokens_that_act_as_the_account(sandbox, handler):
    app = handler()
    url = app.get_authorization_url()
    assert url.startswith("https://api.twitter.com/oauth/authorize?oauth_token=")
    request_token = app.request_token
    assert request_token["oauth_callback_confirmed"] == "true"

    back = consent(sandbox, url)
    assert back["oauth_token"] == request_token["oauth_token"]

    token, secret = app.get_access_token(back["oauth_verifier"])
    assert token.startswith("999-") and secret and "expired" not in token

    client = tweepy.Client(
        consumer_key=CONSUMER[0],
        consumer_secret=CONSUMER[1],
        access_token=token,
        access_token_secret=secret,
    )
    point_at_sandbox(client.session, sandbox.url)
    me = client.get_me(user_auth=True)
    assert (me.data.id, me.data.username) == (999, "council_help")


def test_access_token_also_names_the_account(sandbox, handler):
    app = handler()
    back = consent(sandbox, app.get_authorization_url())
    response = requests.post(
        f"{sandbox.url}/x/oauth/access_token",
        headers=oauth_header(
            oauth_consumer_key=CONSUMER[0],
            oauth_token=back["oauth_token"],
            oauth_verifier=back["oauth_verifier"],
        ),
        timeout=5,
    )
    assert response.status_code == 200
    body = {k: v[0] for k, v in parse_qs(response.text).items()}
    assert (body["user_id"], body["screen_name"]) == ("999", "council_help")
    assert body["oauth_token"].startswith("999-") and body["oauth_token_secret"]


def test_sign_in_with_x_uses_the_authenticate_endpoint_the_same_way(sandbox, handler):
    app = handler()
    url = app.get_authorization_url(signin_with_twitter=True)
    assert urlsplit(url).path == "/oauth/authenticate"
    token, _ = app.get_access_token(consent(sandbox, url)["oauth_verifier"])
    assert token.startswith("999-")


def test_screen_name_picks_another_sandbox_account(sandbox, handler):
    sandbox.state.x.add_user(id="555", username="riverside_roads", name="Roads", is_org=True)
    app = handler()
    back = consent(sandbox, app.get_authorization_url(), screen_name="riverside_roads")
    token, _ = app.get_access_token(back["oauth_verifier"])
    assert token.startswith("555-")


def test_with_no_account_the_default_one_is_registered(sandbox, handler):
    sandbox.state.reset()
    app = handler()
    token, _ = app.get_access_token(consent(sandbox, app.get_authorization_url())["oauth_verifier"])
    assert token.startswith("999-")
    assert sandbox.state.x.user("999") is not None


# --- refusals --------------------------------------------------------------------------------


def test_a_verifier_works_once(sandbox, handler):
    app = handler()
    verifier = consent(sandbox, app.get_authorization_url())["oauth_verifier"]
    app.get_access_token(verifier)
    with pytest.raises(tweepy.TweepyException) as info:
        app.get_access_token(verifier)
    assert "401" in str(info.value) and "Invalid request token." in str(info.value)


def test_a_wrong_verifier_is_refused_and_burns_the_request_token(sandbox, handler):
    app = handler()
    verifier = consent(sandbox, app.get_authorization_url())["oauth_verifier"]
    with pytest.raises(tweepy.TweepyException) as info:
        app.get_access_token("not-the-verifier")
    assert "Invalid oauth_verifier parameter" in str(info.value)
    with pytest.raises(tweepy.TweepyException, match="Invalid request token"):
        app.get_access_token(verifier)


def test_an_unconsented_request_token_cannot_be_exchanged(sandbox, handler):
    app = handler()
    app.get_authorization_url()
    with pytest.raises(tweepy.TweepyException, match="401"):
        app.get_access_token("anything")


def test_another_apps_consumer_key_cannot_exchange_the_token(sandbox, handler):
    app = handler()
    verifier = consent(sandbox, app.get_authorization_url())["oauth_verifier"]
    thief = handler(consumer=("someone-else", "their-secret"))
    thief.request_token = app.request_token
    with pytest.raises(tweepy.TweepyException, match="Invalid request token"):
        thief.get_access_token(verifier)


def test_denying_redirects_with_denied_and_the_token_is_dead(sandbox, handler):
    app = handler()
    url = app.get_authorization_url()
    back = consent(sandbox, url, decision="deny")
    assert back == {"denied": app.request_token["oauth_token"]}
    with pytest.raises(tweepy.TweepyException, match="Invalid request token"):
        app.get_access_token("whatever")
    page = in_browser(sandbox, url)
    assert page.status_code == 403 and "request token for this page is invalid" in page.text


def test_an_unknown_or_expired_request_token_shows_xs_invalid_page(sandbox, handler):
    page = requests.get(f"{sandbox.url}/x/oauth/authorize?oauth_token=nope", timeout=5)
    assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")
    app = handler()
    url = app.get_authorization_url()
    sandbox.state.clock.advance(16 * 60)
    assert in_browser(sandbox, url).status_code == 403


def test_a_consented_token_cannot_be_consented_again(sandbox, handler):
    app = handler()
    url = app.get_authorization_url()
    consent(sandbox, url)
    assert in_browser(sandbox, url).status_code == 403


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"oauth_callback": CALLBACK}, 401, 32),  # no consumer key
        ({"oauth_consumer_key": CONSUMER[0]}, 401, 32),  # no callback
        ({"oauth_consumer_key": CONSUMER[0], "oauth_callback": "javascript:alert(1)"}, 403, 415),
    ],
)
def test_request_token_needs_a_consumer_key_and_a_callback(sandbox, params, status, code):
    response = requests.post(
        f"{sandbox.url}/x/oauth/request_token", headers=oauth_header(**params), timeout=5
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code


def test_tweepy_reports_a_refused_request_token(sandbox, handler):
    with pytest.raises(tweepy.TweepyException, match="403"):
        handler(callback="ftp://nowhere").get_authorization_url()


def test_access_token_without_a_consumer_key_is_401(sandbox):
    response = requests.post(f"{sandbox.url}/x/oauth/access_token", timeout=5)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Could not authenticate you."


def test_fault_rules_apply_to_the_oauth_endpoints(sandbox, handler, control):
    control.fault(path=r"/oauth/request_token", kind="server_error", params={"status": 503})
    with pytest.raises(tweepy.TweepyException, match="503"):
        handler().get_authorization_url()
    assert handler().get_authorization_url()  # the rule was used up


# --- the consent page and the PIN flow ------------------------------------------------------


def test_force_login_shows_an_escaped_consent_page_that_can_switch_account(sandbox, handler):
    sandbox.state.x.add_user(
        id="556", username="roads_team", name="<script>alert(1)</script>", is_org=True
    )
    app = handler()
    url = app.get_authorization_url()
    page = in_browser(sandbox, url, force_login="true")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and "<legend>Sign in as</legend>" in page.text
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    assert 'name="decision" value="allow"' in page.text
    assert 'name="decision" value="deny"' in page.text
    back = consent(sandbox, url, force_login="true", decision="allow", screen_name="roads_team")
    token, _ = app.get_access_token(back["oauth_verifier"])
    assert token.startswith("556-")


def test_a_citizen_account_cannot_be_signed_in_as(sandbox, handler):
    sandbox.state.x.add_user(id="123", username="jo_res", name="Jo")
    page = in_browser(sandbox, handler().get_authorization_url(), screen_name="jo_res")
    assert page.status_code == 404


def test_the_oob_callback_shows_a_pin(sandbox, handler):
    app = handler(callback="oob")
    page = in_browser(sandbox, app.get_authorization_url())
    assert page.status_code == 200 and "enter this PIN" in page.text
    pin = page.text.split("<code>")[1].split("</code>")[0]
    assert app.get_access_token(pin)[0].startswith("999-")
